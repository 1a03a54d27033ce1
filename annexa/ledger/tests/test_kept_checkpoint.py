"""A checkpoint the auditor kept catches what the stored checkpoints cannot: the newest entries
deleted together with the checkpoint rows that covered them (by someone who can disable the
append-only triggers, such as the tables' owner)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import services
from annexa.ledger.bundle_export import export_bundle
from annexa.ledger.tests.conftest import tamper_sql, words
from annexa.ledger.verifier import read_kept_checkpoint, verify_bundle
from annexa.ledger.verify import verify_org

ROOT = Path(__file__).resolve().parents[3]
STANDALONE = (
    "import sys; sys.modules['django'] = None; "
    "from annexa.ledger.verifier import main; sys.exit(main(sys.argv[1:]))"
)


def _append(ctx, first: int, last: int) -> None:
    for i in range(first, last + 1):
        services.append(ctx, object_type="note", object_id=f"n{i}", action="create", data={"n": i})


def _cut_back_to(org, size: int) -> None:
    """What a DBA would do to hide the newest entries: delete them and every checkpoint over
    them (triggers disabled), and set the chain head back so appends carry on from there."""
    where = f"organization_id = {org.pk}"
    tamper_sql(f"DELETE FROM ledger_ledgerentry WHERE {where} AND seq > {size}")
    tamper_sql(f"DELETE FROM ledger_checkpoint WHERE {where} AND tree_size > {size}")
    head = org.ledger_entries.get(seq=size).entry_hash
    tamper_sql(f"UPDATE ledger_ledgerhead SET seq = %s, head_hash = %s WHERE {where}", (size, head))


@pytest.fixture
def kept(isla, tmp_path) -> Path:
    """Six entries, checkpointed and saved by the auditor through the CLI; then three more
    entries and a checkpoint over all nine."""
    _append(isla.ctx, 1, 6)
    path = tmp_path / "checkpoint.json"
    result = CliRunner().invoke(app, ["checkpoint", "--org", "acme", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert "wrote the signed checkpoint of 6 entries" in words(result.stderr)
    _append(isla.ctx, 7, 9)
    services.create_checkpoint(isla.ctx)
    return path


def test_the_file_holds_the_signed_checkpoint(isla, kept):
    document = json.loads(kept.read_text())
    stored = isla.ctx.org.ledger_checkpoints.get(tree_size=6)
    assert document == {
        "format": "annexa-ledger-checkpoint/1",
        "org": str(isla.ctx.org.uid),
        "tree_size": 6,
        "root_hash": stored.root_hash,
        "time": stored.time,
        "signature": stored.signature,
        "key_id": stored.key_id,
    }


def test_an_untouched_ledger_extends_the_kept_checkpoint(isla, kept, opener):
    report = verify_org(isla.ctx.org, opener, kept=read_kept_checkpoint(kept))
    assert report.ok, report.summary()
    assert report.kept_checkpoint == 6
    assert "checked against the kept checkpoint of 6 entries" in report.summary()


def test_truncation_below_the_kept_checkpoint_is_reported(isla, kept, opener):
    org = isla.ctx.org
    _cut_back_to(org, 4)
    # The limitation: what is left is a consistent ledger with consistent checkpoints.
    plain = verify_org(org, opener)
    assert plain.ok, plain.summary()
    assert (plain.entries, plain.checkpoints) == (4, 0)
    against = verify_org(org, opener, kept=read_kept_checkpoint(kept))
    [problem] = against.problems
    assert problem.ref == "kept at 6"
    assert "covers 6 entries but the ledger holds 4" in problem.detail
    assert "entries were removed" in problem.detail


def test_a_rewritten_history_is_reported(isla, kept, opener):
    """Entries 5.. deleted and replaced by new ones, with a fresh checkpoint over them."""
    org = isla.ctx.org
    _cut_back_to(org, 4)
    _append(isla.ctx, 50, 55)
    services.create_checkpoint(isla.ctx)
    assert verify_org(org, opener, consistency=True).ok
    [problem] = verify_org(org, opener, kept=read_kept_checkpoint(kept)).problems
    assert problem.detail == "its root no longer matches the first 6 entries"


def test_the_cli_finds_the_organization_in_the_file(isla, kept):
    _cut_back_to(isla.ctx.org, 4)
    runner = CliRunner()
    assert runner.invoke(app, ["verify", "--org", "acme"]).exit_code == 0
    result = runner.invoke(app, ["verify", "--against", str(kept), "--format", "json"])
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert report["kept_checkpoint"] == 6
    assert report["problems"][0]["ref"] == "kept at 6"
    assert "tampering detected in acme" in words(result.stderr)


def test_a_forged_or_foreign_kept_checkpoint_is_refused(isla, oscar, kept, opener):
    document = json.loads(kept.read_text())
    forged = kept.with_name("forged.json")
    forged.write_text(json.dumps({**document, "time": "2020-01-01T00:00:00.000000Z"}))
    report = verify_org(isla.ctx.org, opener, kept=read_kept_checkpoint(forged))
    assert [p.detail for p in report.problems] == [
        f"its signature does not verify with key {document['key_id']}"
    ]
    foreign = verify_org(oscar.ctx.org, opener, kept=read_kept_checkpoint(kept))
    [problem] = foreign.problems
    assert f"it is a checkpoint of organization {isla.ctx.org.uid}" in problem.detail


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"format": "other"}', "is not an Annexa checkpoint"),
        ('{"format": "annexa-ledger-checkpoint/1", "org": "x"}', "lacks the member"),
        (
            '{"format": "annexa-ledger-checkpoint/1", "org": "x", "tree_size": 0, '
            '"root_hash": "", "time": "", "signature": "", "key_id": ""}',
            "is malformed",
        ),
    ],
)
def test_an_unreadable_file_is_refused(isla, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = CliRunner().invoke(app, ["verify", "--against", str(path)])
    assert result.exit_code == 2
    assert message in words(result.stderr)
    standalone = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(tmp_path / "none.zip"), "--against", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert standalone.returncode == 2 and message in standalone.stderr


def test_checkpoint_output_is_refused_with_all_or_an_existing_file(isla, kept):
    runner = CliRunner()
    both = runner.invoke(app, ["checkpoint", "--all", "-o", str(kept.with_name("x.json"))])
    assert both.exit_code == 2 and "give --org SLUG instead of --all" in words(both.stderr)
    again = runner.invoke(app, ["checkpoint", "--org", "acme", "-o", str(kept)])
    assert again.exit_code == 2 and "already exists" in words(again.stderr)


def test_the_standalone_verifier_reports_it_on_an_export(isla, kept, opener, tmp_path):
    _cut_back_to(isla.ctx.org, 4)
    bundle = tmp_path / "acme.zip"
    export_bundle(isla.ctx, bundle, opener)
    assert verify_bundle(bundle).ok
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(bundle), "--against", str(kept)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "checkpoint kept at 6: it covers 6 entries but the ledger holds 4" in result.stdout


def test_the_standalone_verifier_saves_a_checkpoint_to_keep(isla, opener, tmp_path):
    """The auditor keeps the latest checkpoint of a bundle that verified; after the newest
    entries and their checkpoints are deleted, the next export is checked against it."""
    _append(isla.ctx, 1, 6)
    services.create_checkpoint(isla.ctx)
    first = tmp_path / "first.zip"
    export_bundle(isla.ctx, first, opener)
    kept = tmp_path / "kept.json"
    saved = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(first), "--save-checkpoint", str(kept)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert saved.returncode == 0, saved.stderr
    assert "saved the checkpoint of 6 entries" in saved.stderr
    assert read_kept_checkpoint(kept).claim == isla.ctx.org.ledger_checkpoints.get().claim()
    _cut_back_to(isla.ctx.org, 5)
    second = tmp_path / "second.zip"
    export_bundle(isla.ctx, second, opener)
    report = verify_bundle(second, kept=read_kept_checkpoint(kept))
    assert [p.ref for p in report.problems] == ["kept at 6"]
    again = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(first), "--save-checkpoint", str(kept)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "cannot write --save-checkpoint" in again.stderr
