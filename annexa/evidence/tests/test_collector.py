"""The orphan collector: what it deletes, what it keeps, and the leftovers it cleans."""

from __future__ import annotations

import datetime
import os

from annexa.evidence import services
from annexa.evidence.staging import staging_dir
from annexa.evidence.storage import get_store
from annexa.ledger import services as ledger

NOW = datetime.timedelta(0)


def test_it_keeps_referenced_blobs_and_deletes_old_orphans(acme_ctx):
    version = services.store(acme_ctx, chunks=[b"kept\n"], filename="a.txt")
    store = get_store()
    orphan, _ = store.put_stream([b"orphan"])
    result = services.collect_orphans(grace=NOW)
    assert (result.blobs_deleted, result.orphans_kept) == (1, 0)
    assert store.exists(version.sha256)
    assert not store.exists(orphan)


def test_it_spares_young_orphans(acme_ctx):
    orphan, _ = get_store().put_stream([b"upload still in flight"])
    result = services.collect_orphans()
    assert (result.blobs_deleted, result.orphans_kept) == (0, 1)
    assert get_store().exists(orphan)


def test_it_keeps_blobs_the_ledger_names(acme_ctx):
    store = get_store()
    named, _ = store.put_stream([b"named by a ledger entry only"])
    ledger.append(
        acme_ctx, object_type="report", object_id="r-1", action="issue", data={}, blob_sha256=named
    )
    assert services.collect_orphans(grace=NOW).blobs_deleted == 0
    assert store.exists(named)


def test_it_removes_old_temporary_files(acme_ctx):
    store = get_store()
    store.temp_dir.mkdir(parents=True, exist_ok=True)
    leftovers = [store.temp_dir / "killed.part", staging_dir() / "killed.upload"]
    for path in leftovers:
        path.write_bytes(b"half written")
    young = services.collect_orphans()
    assert young.temporary_deleted == 0
    for path in leftovers:
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert services.collect_orphans().temporary_deleted == 2
    assert not any(path.exists() for path in leftovers)
