"""Import: export → import into an empty place → verify, with nothing lost and hashes intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.core.tenancy import OrgContext
from annexa.ledger import keys, services
from annexa.ledger.bundle_export import export_bundle
from annexa.ledger.bundle_import import ImportRefused, import_bundle
from annexa.ledger.models import Checkpoint, LedgerEntry, TrustedKey
from annexa.ledger.orgdata import org_models
from annexa.ledger.tests.builders import populate
from annexa.ledger.tests.conftest import tamper_sql, words
from annexa.ledger.tests.test_bundle import rewrite
from annexa.ledger.verifier import verify_bundle
from annexa.ledger.verify import verify_org
from annexa.orgs.models import Membership, Organization, User

ROOT = Path(__file__).resolve().parents[3]
ANNEXA = str(Path(sys.executable).with_name("annexa"))


def snapshot(org) -> dict:
    """Everything a round trip must keep: rows by uid, links, people, ledger, checkpoints."""
    from annexa.evidence.models import Evidence
    from annexa.isms.models import OrgUnit

    rows = {
        m._meta.label_lower: sorted(
            str(u) for u in m.objects.for_org(org).values_list("uid", flat=True)
        )
        for m in org_models()
    }
    evidence = {
        str(e.uid): (
            sorted(e.controls.values_list("id", flat=True)),
            sorted(e.requirements.values_list("id", flat=True)),
            str(e.current_version.uid),
            e.created_by.email,
            e.created_at.isoformat(),
        )
        for e in Evidence.objects.for_org(org)
    }
    units = {str(u.uid): (u.manager.email, u.updated_at) for u in OrgUnit.objects.for_org(org)}
    people = sorted(Membership.objects.filter(organization=org).values_list("user__email", "role"))
    entries = list(LedgerEntry.objects.for_org(org).order_by("seq").values_list("entry_hash"))
    checkpoints = list(
        Checkpoint.objects.for_org(org).values_list("tree_size", "root_hash", "signature")
    )
    return {
        "org": (str(org.uid), org.name, org.created_at),
        "rows": rows,
        "evidence": evidence,
        "units": units,
        "people": people,
        "entries": entries,
        "checkpoints": checkpoints,
    }


def wipe(org) -> None:
    """Remove the organization and its people, as if the bundle went to another instance."""
    emails = list(Membership.objects.filter(organization=org).values_list("user__email", flat=True))
    for table in ("ledgerentry", "checkpoint", "trustedkey", "ledgerhead"):
        tamper_sql(f"DELETE FROM ledger_{table} WHERE organization_id = %s", (org.pk,))
    org.delete()
    User.objects.filter(email__in=[*emails, "former@acme.test"]).delete()


@pytest.fixture
def exported(isla, colin, catalog, store, opener, tmp_path):
    populate(isla, colin)
    org = Organization.objects.get(pk=isla.ctx.org.pk)
    before = snapshot(org)
    path = tmp_path / "acme.zip"
    export_bundle(isla.ctx, path, opener)
    return path, before, org


def test_it_restores_everything_and_still_verifies(exported, store, opener):
    path, before, org = exported
    wipe(org)
    summary = import_bundle(path, store)
    restored = Organization.objects.get(uid=before["org"][0])
    assert snapshot(restored) == before
    assert sorted(summary.created_users) == [
        "colin@acme.test",
        "former@acme.test",
        "isla@acme.test",
    ]
    assert not User.objects.get(email="isla@acme.test").has_usable_password()
    report = verify_org(restored, opener)
    assert report.ok, report.summary()
    assert report.latest_root == before["checkpoints"][-1][1]
    assert TrustedKey.objects.count() == 0  # same instance, same key


def test_it_keeps_checkpoints_signed_by_the_exporting_instance(
    exported, store, opener, settings, tmp_path
):
    path, before, org = exported
    wipe(org)
    # This instance has a different signing key from the one that exported the bundle.
    settings.SIGNING_KEY_PATH = str(tmp_path / "other" / "ledger.pem")
    keys.ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    import_bundle(path, store, slug="acme-restored")
    restored = Organization.objects.get(slug="acme-restored")
    [trusted] = TrustedKey.objects.for_org(restored)
    report = verify_org(restored, opener)
    assert report.ok, report.summary()
    assert report.latest_root == before["checkpoints"][-1][1]
    # Work goes on here: new checkpoints carry this instance's key, old ones keep theirs.
    system = OrgContext.system(restored)
    services.append(system, object_type="note", object_id="moved", action="create", data={})
    services.create_checkpoint(system)
    assert len(verify_org(restored, opener).keys) == 2
    again = tmp_path / "again.zip"
    export_bundle(system, again, opener)
    assert f"ledger/keys/{trusted.key_id}.pem" in zipfile.ZipFile(again).namelist()
    assert verify_bundle(again).ok


def test_it_refuses_an_organization_that_exists(exported, store):
    path, _before, _org = exported
    with pytest.raises(ImportRefused, match="already exists"):
        import_bundle(path, store)


def test_it_refuses_a_bundle_that_does_not_verify(exported, store):
    path, _before, org = exported
    wipe(org)
    tampered = rewrite(path, {"data/isms.orgunit.json": b"[]"}, fix_manifest=False)
    with pytest.raises(ImportRefused, match="does not verify"):
        import_bundle(tampered, store)
    assert not Organization.objects.filter(slug="acme").exists()


def test_it_imports_all_or_nothing(exported, store):
    path, _before, org = exported
    wipe(org)
    with zipfile.ZipFile(path) as archive:
        units = json.loads(archive.read("data/isms.orgunit.json"))
    units[0]["fields"]["no_such_field"] = 1
    changed = rewrite(path, {"data/isms.orgunit.json": json.dumps(units).encode()})
    with pytest.raises(ImportRefused, match="no field"):
        import_bundle(changed, store)
    assert not Organization.objects.filter(slug="acme").exists()
    assert not LedgerEntry.objects.exists()


def test_it_imports_through_the_cli(exported):
    path, _before, org = exported
    wipe(org)
    result = CliRunner().invoke(app, ["import", str(path), "--slug", "acme2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "acme2"
    assert "isla@acme.test: no password; they must reset it" in words(result.stderr)
    refused = CliRunner().invoke(app, ["import", str(path)])
    assert refused.exit_code == 1 and "already exists" in words(refused.stderr)


def _fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    return {**env, "ANNEXA_HOME": str(home)}


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="a fresh instance runs on the embedded defaults"
)
def test_it_moves_to_a_fresh_instance(exported, tmp_path):
    path, before, _org = exported
    env = _fresh_env(tmp_path / "fresh")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [ANNEXA, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
        )

    assert run("init").returncode == 0
    imported = run("import", str(path))
    assert imported.returncode == 0, imported.stderr
    verified = run("verify", "--org", "acme", "--format", "json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [report] = json.loads(verified.stdout)
    assert report["entries"] == len(before["entries"])
    assert report["latest_root"] == before["checkpoints"][-1][1]
    assert report["blobs"] == 3
