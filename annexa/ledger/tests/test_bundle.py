"""Export bundles and the standalone verifier: a clean bundle passes, every change is named."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import keys, services
from annexa.ledger import verifier as layout
from annexa.ledger.bundle_export import export_bundle
from annexa.ledger.tests.builders import populate
from annexa.ledger.tests.conftest import tamper_sql, words
from annexa.ledger.verifier import verify_bundle

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def bundle(isla, colin, catalog, store, opener, tmp_path) -> Path:
    populate(isla, colin)
    path = tmp_path / "acme.zip"
    export_bundle(isla.ctx, path, opener)
    return path


def rewrite(source: Path, changes: dict[str, bytes | None], *, fix_manifest: bool = True) -> Path:
    """A copy of the bundle with members replaced (bytes), removed (None) or added."""
    target = source.with_name("changed.zip")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        manifest = json.loads(old.read(layout.MANIFEST))
        names = [n for n in old.namelist() if n != layout.MANIFEST]
        for name in names + [n for n in changes if n not in names]:
            data = changes[name] if name in changes else old.read(name)
            if data is None:
                manifest["files"].pop(name, None) if fix_manifest else None
                continue
            new.writestr(name, data)
            if fix_manifest:
                manifest["files"][name] = hashlib.sha256(data).hexdigest()
        new.writestr(layout.MANIFEST, json.dumps(manifest))
    return target


def lines(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return archive.read(layout.ENTRIES).splitlines(keepends=True)


def test_it_exports_a_bundle_that_verifies(bundle):
    report = verify_bundle(bundle, consistency=True)
    assert report.ok, report.summary()
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read(layout.MANIFEST))
        names = set(archive.namelist()) - {layout.MANIFEST}
        evidence = json.loads(archive.read("data/evidence.evidence.json"))
        users = json.loads(archive.read("data/orgs.user.json"))
    assert set(manifest["files"]) == names
    counts = manifest["counts"]
    assert (counts["checkpoints"], counts["blobs"]) == (2, 3)
    assert counts["entries"] == report.entries
    assert counts["rows"]["evidence.evidenceversion"] == 3
    assert counts["rows"]["isms.soaentry"] == 93
    policy = next(e for e in evidence if e["fields"]["title"] == "access-policy.txt")
    assert policy["fields"]["controls"] == ["A.5.15", "A.5.18"]
    assert policy["fields"]["created_by"] == "isla@acme.test"
    assert "former@acme.test" in {u["email"] for u in users}
    assert (report.blobs, report.checkpoints) == (3, 2)


def test_it_runs_without_django(bundle):
    code = (
        "import sys; sys.modules['django'] = None; "
        "from annexa.ledger.verifier import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bundle), "--consistency"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.returncode == 0, result.stderr
    assert "OK: the ledger, its checkpoints and every blob verify." in result.stdout
    tampered = rewrite(bundle, {layout.ENTRIES: b"".join(lines(bundle)[:-1])})
    failed = subprocess.run(
        [sys.executable, "-c", code, str(tampered), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert "covers" in json.loads(failed.stdout)["problems"][0]["detail"]


def _blob_member(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return next(n for n in archive.namelist() if n.startswith(layout.BLOBS_DIR))


@pytest.mark.parametrize("fix_manifest", [False, True])
def test_it_names_a_changed_blob(bundle, fix_manifest):
    name = _blob_member(bundle)
    with zipfile.ZipFile(bundle) as archive:
        data = bytearray(archive.read(name))
    data[7] ^= 0x20
    report = verify_bundle(rewrite(bundle, {name: bytes(data)}, fix_manifest=fix_manifest))
    [blob] = report.of_kind("blob")
    assert blob.ref == name.removeprefix(layout.BLOBS_DIR)
    assert blob.detail.startswith("content changed")
    assert bool(report.of_kind("file")) is not fix_manifest


def test_it_names_an_edited_entry(bundle):
    entries = lines(bundle)
    item = json.loads(entries[2])
    item["document"]["actor"] = "mallory@acme.test"
    entries[2] = json.dumps(item).encode() + b"\n"
    report = verify_bundle(rewrite(bundle, {layout.ENTRIES: b"".join(entries)}))
    assert report.first_bad_entry.ref == "#3"
    assert "edited" in report.first_bad_entry.detail


def test_it_names_a_deleted_and_reordered_entry(bundle):
    entries = lines(bundle)
    deleted = verify_bundle(rewrite(bundle, {layout.ENTRIES: b"".join(entries[:3] + entries[4:])}))
    assert deleted.first_bad_entry.ref == "#5"
    assert "#4 is missing" in deleted.first_bad_entry.detail
    swapped = [*entries[:1], entries[2], entries[1], *entries[3:]]
    reordered = verify_bundle(rewrite(bundle, {layout.ENTRIES: b"".join(swapped)}))
    assert reordered.first_bad_entry.ref == "#3"
    assert reordered.bad_entries >= 2


def test_it_names_a_changed_or_added_file(bundle):
    data = rewrite(bundle, {"data/isms.orgunit.json": b"[]"}, fix_manifest=False)
    problems = {p.ref: p.detail for p in verify_bundle(data).of_kind("file")}
    assert problems["data/isms.orgunit.json"] == "its SHA-256 differs from the manifest"
    added = rewrite(bundle, {"data/extra.json": b"[]"}, fix_manifest=False)
    assert "not listed" in verify_bundle(added).of_kind("file")[0].detail


def test_it_pins_the_key_the_auditor_received(bundle, signing_key, tmp_path):
    own = keys.public_key_pem(keys.load_private_key(signing_key))
    assert verify_bundle(bundle, pinned=[layout.load_public_key(own)]).ok
    # An insider re-signs the checkpoints with a key of their own and ships that key instead.
    stranger = Ed25519PrivateKey.generate()
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read(layout.MANIFEST))
        claims = json.loads(archive.read(layout.CHECKPOINTS))
    for claim in claims:
        message = layout.fmt.checkpoint_message(
            org=manifest["organization"]["uid"],
            tree_size=claim["tree_size"],
            root_hash=claim["root_hash"],
            time=claim["time"],
        )
        claim["signature"] = layout.base64.b64encode(stranger.sign(message)).decode()
        claim["key_id"] = layout.key_id_of(stranger.public_key())
    forged = rewrite(
        bundle,
        {
            layout.CHECKPOINTS: json.dumps(claims).encode(),
            layout.PUBLIC_KEY: keys.public_key_pem(stranger),
        },
    )
    assert verify_bundle(forged).ok  # self-consistent: only a pinned key can tell
    pinned = verify_bundle(forged, pinned=[layout.load_public_key(own)])
    assert [p.kind for p in pinned.problems].count("checkpoint") == 2
    assert "not trusted" in pinned.of_kind("checkpoint")[0].detail


def test_it_checks_a_root_recorded_earlier(bundle):
    with zipfile.ZipFile(bundle) as archive:
        first = json.loads(archive.read(layout.CHECKPOINTS))[0]
    assert verify_bundle(bundle, expected_roots={first["tree_size"]: first["root_hash"]}).ok
    wrong = verify_bundle(bundle, expected_roots={first["tree_size"]: "00" * 32})
    assert wrong.of_kind("checkpoint")[0].ref == f"pinned at {first['tree_size']}"


TAMPERING = {
    # name: (SQL on the org's ledger rows, the entry or checkpoint named, what is said of it)
    "edit": (["UPDATE ledger_ledgerentry SET actor = 'x' WHERE {org} AND seq = 2"], "#2", "edited"),
    "delete": (["DELETE FROM ledger_ledgerentry WHERE {org} AND seq = 3"], "#4", "#3 is missing"),
    "reorder": (  # swap entries 3 and 4 (seq is unique: three steps)
        [
            "UPDATE ledger_ledgerentry SET seq = -3 WHERE {org} AND seq = 3",
            "UPDATE ledger_ledgerentry SET seq = 3 WHERE {org} AND seq = 4",
            "UPDATE ledger_ledgerentry SET seq = 4 WHERE {org} AND seq = -3",
        ],
        "#3",
        "edited",
    ),
    "truncate": (["DELETE FROM ledger_ledgerentry WHERE {org} AND seq > 4"], "at 6", "covers 6"),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_it_names_database_tampering_in_the_export(case, isla, store, opener, tmp_path):
    org = isla.ctx.org
    for i in range(1, 7):
        services.append(isla.ctx, object_type="t", object_id=str(i), action="a", data={"i": i})
    services.create_checkpoint(isla.ctx)
    statements, ref, detail = TAMPERING[case]
    for sql in statements:
        tamper_sql(sql.format(org=f"organization_id = {org.pk}"))
    export_bundle(isla.ctx, tmp_path / "b.zip", opener)
    report = verify_bundle(tmp_path / "b.zip")
    problem = report.first_bad_entry or report.problems[0]
    assert problem.ref == ref and detail in problem.detail, report.summary()


def test_it_exports_a_changed_blob_for_the_verifier_to_name(
    isla, colin, catalog, store, opener, tmp_path
):
    handles = populate(isla, colin)
    sha256 = handles["review"].current_version.sha256
    path = store.path_for(sha256)
    os.chmod(path, 0o640)
    path.write_bytes(path.read_bytes().replace(b"12", b"13"))
    export_bundle(isla.ctx, tmp_path / "b.zip", opener)
    report = verify_bundle(tmp_path / "b.zip")
    assert report.first_bad_entry is None
    [blob] = report.of_kind("blob")
    assert blob.ref == sha256 and blob.detail.startswith("content changed")


def test_it_refuses_an_unreadable_bundle(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(layout.BundleError, match="cannot open"):
        verify_bundle(tmp_path / "x.zip")
    assert layout.main([str(tmp_path / "x.zip")]) == 2


def test_it_exports_through_the_cli(isla, colin, catalog, store, tmp_path):
    populate(isla, colin)
    target = tmp_path / "cli.zip"
    result = CliRunner().invoke(app, ["export", "--org", "acme", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target)
    assert "manifest SHA-256" in words(result.stderr)
    assert verify_bundle(target).ok
    again = CliRunner().invoke(app, ["export", "--org", "acme", "-o", str(target)])
    assert again.exit_code == 2 and "already exists" in words(again.stderr)
