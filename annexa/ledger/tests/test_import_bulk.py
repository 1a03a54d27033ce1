"""The import's bulk paths: rows restored in batches (COPY on PostgreSQL), entries written while
the bundle is verified, and still all or nothing."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annexa.isms.models import OrgUnit
from annexa.ledger import verifier as layout
from annexa.ledger.bundle_import import ImportRefused, import_bundle
from annexa.ledger.models import Checkpoint, LedgerEntry, LedgerHead
from annexa.ledger.restore import Restorer
from annexa.ledger.tests.test_bundle import rewrite
from annexa.ledger.tests.test_import import exported, snapshot, wipe  # noqa: F401 - fixture
from annexa.orgs.models import Organization


def _tamper_entry(path, index: int) -> bytes:
    """entries.jsonl with entry ``index``'s data changed (its recorded hash kept)."""
    with zipfile.ZipFile(path) as archive:
        lines = archive.read(layout.ENTRIES).splitlines(keepends=True)
    item = json.loads(lines[index])
    item["document"]["data"] = {"tampered": True}
    lines[index] = json.dumps(item).encode() + b"\n"
    return b"".join(lines)


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_tampered_entry_is_refused_and_nothing_is_written(exported, store, where):  # noqa: F811
    path, _before, org = exported
    uid = org.uid
    wipe(org)
    with zipfile.ZipFile(path) as archive:
        count = len(archive.read(layout.ENTRIES).splitlines())
    changed = rewrite(path, {layout.ENTRIES: _tamper_entry(path, 0 if where == "first" else -1)})
    with pytest.raises(ImportRefused, match="does not verify") as refused:
        import_bundle(changed, store)
    bad = 1 if where == "first" else count
    assert f"#{bad}" in str(refused.value)
    assert not Organization.objects.filter(uid=uid).exists()
    assert not LedgerEntry.objects.exists()
    assert not LedgerHead.objects.exists()
    assert not Checkpoint.objects.exists()
    assert not OrgUnit.objects.exists()


def test_a_round_trip_keeps_rows_entries_and_checkpoints(exported, store):  # noqa: F811
    path, before, org = exported
    wipe(org)
    imported = import_bundle(path, store)
    assert snapshot(Organization.objects.get(pk=imported.org.pk)) == before
    assert imported.counts["entries"] == len(before["entries"])
    assert imported.report is not None and imported.report.ok


def _units(count: int, prefix: str) -> list[dict]:
    return [
        {
            "uid": str(uuid.uuid4()),
            "fields": {
                "name": f"{prefix} {n}",
                "kind": "unit",
                "description": 'quotes " and \\ and ünïcode',
                "manager": None,
                "created_at": "2026-01-02T03:04:05.123456+00:00",
                "updated_at": "2026-01-02T03:04:05.654321+00:00",
            },
        }
        for n in range(count)
    ]


def test_restoring_rows_takes_as_many_queries_for_50_as_for_5(isla):
    org = isla.ctx.org
    counts = []
    for rows in (_units(5, "Small"), _units(50, "Large")):
        with CaptureQueriesContext(connection) as queries:
            Restorer(org, {}).restore(OrgUnit, rows)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    stored = OrgUnit.objects.for_org(org).get(uid=rows[7]["uid"])
    assert stored.name == "Large 7"
    assert stored.description == 'quotes " and \\ and ünïcode'
    assert stored.created_at.isoformat() == "2026-01-02T03:04:05.123456+00:00"
    assert stored.updated_at.isoformat() == "2026-01-02T03:04:05.654321+00:00"  # not auto_now


def test_an_entry_twice_is_refused_as_a_bundle_that_does_not_verify(exported, store):  # noqa: F811
    path, _before, org = exported
    uid = org.uid
    wipe(org)
    with zipfile.ZipFile(path) as archive:
        lines = archive.read(layout.ENTRIES).splitlines(keepends=True)
    lines[1] = lines[0]  # seq 1 twice: the database refuses it before the walk ends
    changed = rewrite(path, {layout.ENTRIES: b"".join(lines)})
    with pytest.raises(ImportRefused, match="does not verify"):
        import_bundle(changed, store)
    assert not Organization.objects.filter(uid=uid).exists()
    assert not LedgerEntry.objects.exists()
