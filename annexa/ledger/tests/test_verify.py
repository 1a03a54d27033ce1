"""`annexa verify`: every kind of tampering, done by SQL or on disk, is detected and named."""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import format as fmt
from annexa.ledger import keys, services
from annexa.ledger.models import Checkpoint
from annexa.ledger.tests.conftest import tamper_sql, words
from annexa.ledger.verify import verify_org


def _ledger(ctx, store, n: int = 6) -> list[str]:
    """``n`` entries; entries 2 and 4 reference blobs. Returns the blob hashes."""
    blobs = []
    for i in range(1, n + 1):
        blob = None
        if i in (2, 4):
            blob, _size = store.put_stream([f"evidence file {i}\n".encode() * 1000])
            blobs.append(blob)
        services.append(
            ctx,
            object_type="evidence",
            object_id=f"e{i}",
            action="create",
            data={"title": f"item {i}", "n": i},
            blob_sha256=blob,
        )
    return blobs


def _where(org, seq: int) -> str:
    return f"organization_id = {org.pk} AND seq = {seq}"


def test_it_passes_an_untouched_ledger(isla, store, opener):
    _ledger(isla.ctx, store)
    services.create_checkpoint(isla.ctx)
    report = verify_org(isla.ctx.org, opener, consistency=True)
    assert report.ok, report.summary()
    assert (report.entries, report.checkpoints, report.blobs) == (6, 1, 2)
    assert report.blob_bytes == 2 * len(b"evidence file 2\n" * 1000)


def test_it_detects_an_edited_column(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    services.create_checkpoint(isla.ctx)
    for column, value in [("actor", "mallory@acme.test"), ("data", '{"n": 3,"title":"item 3"}')]:
        tamper_sql(f"UPDATE ledger_ledgerentry SET {column} = %s WHERE {_where(org, 3)}", (value,))
        report = verify_org(org, opener)
        assert not report.ok
        assert report.first_bad_entry.ref == "#3"
        assert "edited" in report.first_bad_entry.detail
        assert "root no longer matches" in report.of_kind("checkpoint")[0].detail


def test_it_detects_an_edit_with_a_recomputed_hash(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    entry = org.ledger_entries.get(seq=3)
    entry.action = "delete"
    forged = fmt.entry_hash(entry.document(str(org.uid)))
    tamper_sql(
        f"UPDATE ledger_ledgerentry SET action = 'delete', entry_hash = %s WHERE {_where(org, 3)}",
        (forged,),
    )
    report = verify_org(org, opener)
    assert report.first_bad_entry.ref == "#4"
    assert "prev link" in report.first_bad_entry.detail


def test_it_detects_a_deleted_entry(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    services.create_checkpoint(isla.ctx)
    tamper_sql(f"DELETE FROM ledger_ledgerentry WHERE {_where(org, 4)}")
    report = verify_org(org, opener)
    assert report.first_bad_entry.ref == "#5"
    assert "#4 is missing" in report.first_bad_entry.detail
    assert report.of_kind("checkpoint")


def test_it_detects_reordered_entries(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    # Swap the positions of entries 2 and 3 in three steps (seq is unique per organization).
    tamper_sql(f"UPDATE ledger_ledgerentry SET seq = -2 WHERE {_where(org, 2)}")
    tamper_sql(f"UPDATE ledger_ledgerentry SET seq = 2 WHERE {_where(org, 3)}")
    tamper_sql(f"UPDATE ledger_ledgerentry SET seq = 3 WHERE {_where(org, -2)}")
    report = verify_org(org, opener)
    assert report.first_bad_entry.ref == "#2"
    assert report.bad_entries >= 2


def test_it_detects_truncation_after_a_checkpoint(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    services.create_checkpoint(isla.ctx)
    tamper_sql(f"DELETE FROM ledger_ledgerentry WHERE organization_id = {org.pk} AND seq > 4")
    report = verify_org(org, opener)
    assert report.first_bad_entry is None
    [problem] = report.of_kind("checkpoint")
    assert problem.ref == "at 6"
    assert "covers 6 entries but the ledger holds 4" in problem.detail


def test_it_names_a_changed_and_a_missing_blob(isla, store, opener):
    changed, missing = _ledger(isla.ctx, store)
    path = store.path_for(changed)
    os.chmod(path, 0o640)
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    store.delete(missing)
    report = verify_org(isla.ctx.org, opener)
    problems = {p.ref: p.detail for p in report.of_kind("blob")}
    assert problems[changed].startswith("content changed: it now hashes to")
    assert problems[missing] == "missing (referenced by entry #4)"


def test_it_rejects_a_checkpoint_signed_by_another_key(isla, store, opener):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    good = services.create_checkpoint(isla.ctx)
    stranger = Ed25519PrivateKey.generate()
    stranger_id = fmt.key_id(keys.public_key_raw(stranger))
    signature = base64.b64encode(stranger.sign(good.message(str(org.uid)))).decode()
    Checkpoint.objects.create(
        organization=org,
        tree_size=5,
        root_hash=good.root_hash,
        time=good.time,
        signature=signature,
        key_id=stranger_id,
    )
    tamper_sql("UPDATE ledger_checkpoint SET signature = %s WHERE id = %s", (signature, good.pk))
    report = verify_org(org, opener)
    details = {p.ref: p.detail for p in report.of_kind("checkpoint")}
    assert "not trusted" in details["at 5"]
    assert "signature does not verify" in details["at 6"]


def test_it_reports_through_the_cli(isla, store):
    org = isla.ctx.org
    _ledger(isla.ctx, store)
    services.create_checkpoint(isla.ctx)
    runner = CliRunner()
    clean = runner.invoke(app, ["verify", "--org", "acme"])
    assert clean.exit_code == 0, clean.output
    assert "entries: 6" in clean.stdout and "OK:" in clean.stdout
    tamper_sql(f"UPDATE ledger_ledgerentry SET object_id = 'x' WHERE {_where(org, 2)}")
    tampered = runner.invoke(app, ["verify", "--org", "acme", "--format", "json"])
    assert tampered.exit_code == 1
    [report] = json.loads(tampered.stdout)
    assert report["first_bad_entry"]["ref"] == "#2"
    assert "first: entry #2" in words(tampered.stderr)


def test_it_checks_every_organization_by_default(alice, oscar, store):
    _ledger(alice.ctx, store, 2)
    _ledger(oscar.ctx, store, 3)
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "organization: acme" in result.stdout and "organization: globex" in result.stdout


def _outcome(report) -> tuple:
    first = report.first_bad_entry
    return (
        report.entries,
        report.bad_entries,
        first and (first.ref, first.detail),
        sorted((p.kind, p.ref, p.detail) for p in report.problems),
        report.blobs,
    )


def test_it_judges_a_ledger_read_in_batches_as_entry_by_entry(isla, store, opener, monkeypatch):
    from annexa.ledger import verify

    org = isla.ctx.org
    _ledger(isla.ctx, store, 3)
    services.create_checkpoint(isla.ctx)
    _ledger(isla.ctx, store, 4)
    services.create_checkpoint(isla.ctx)
    _ledger(isla.ctx, store, 4)
    outcomes = {}
    for batch in (1, 4, 100):
        monkeypatch.setattr(verify, "BATCH", batch)
        outcomes[batch] = _outcome(verify_org(org, opener, consistency=True))
    assert outcomes[1] == outcomes[4] == outcomes[100]
    assert outcomes[4][:4] == (11, 0, None, [])
    tamper_sql(f"UPDATE ledger_ledgerentry SET data = '{{}}' WHERE {_where(org, 6)}")
    tamper_sql(f"UPDATE ledger_ledgerentry SET seq = 100 WHERE {_where(org, 10)}")
    for batch in (1, 4, 100):
        monkeypatch.setattr(verify, "BATCH", batch)
        outcomes[batch] = _outcome(verify_org(org, opener))
    assert outcomes[1] == outcomes[4] == outcomes[100]
    entries, bad, first, problems, _blobs = outcomes[4]
    assert (entries, bad, first[0]) == (11, 3, "#6")
    assert [(kind, ref) for kind, ref, _ in problems] == [("checkpoint", "at 7")]


def test_rows_fetched_ahead_are_the_rows_read_in_place(isla, store):
    org = isla.ctx.org
    _ledger(isla.ctx, store, 9)
    in_place = list(services.stored_rows(org, batch=2))
    assert [len(rows) for rows in in_place] == [2, 2, 2, 2, 1]
    assert list(services.stored_rows(org, batch=2, ahead=True)) == in_place
    assert list(services.stored_rows(org, after=3, upto=7, batch=3, ahead=True)) == (
        list(services.stored_rows(org, after=3, upto=7, batch=3))
    )


def test_a_reader_stopped_early_stops_its_helper(isla, store, monkeypatch):
    import threading

    monkeypatch.setattr(services, "AHEAD", 1)
    _ledger(isla.ctx, store, 9)
    rows = services.stored_rows(isla.ctx.org, batch=1, ahead=True)
    assert next(rows)[0][0] == 1
    rows.close()
    assert not [t for t in threading.enumerate() if t.name == "ledger-rows"]
    # The connection is usable afterwards (the helper no longer holds the cursor).
    assert [r[0][0] for r in services.stored_rows(isla.ctx.org, batch=4)] == [1, 5, 9]


def test_a_fetch_error_reaches_the_reader(isla, store, monkeypatch):
    class Broken:
        def fetchmany(self, size):
            raise RuntimeError("disk gone")

    rows = services._fetched_ahead(Broken(), 10)
    try:
        next(rows)
    except RuntimeError as exc:
        assert str(exc) == "disk gone"
    else:
        raise AssertionError("the helper's error was lost")
