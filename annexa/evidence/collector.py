"""The orphan collector: blobs no row references, and leftovers of interrupted uploads.

A blob is written before the row that names it, so a crash between the two leaves a blob
nobody references. Such a blob is deleted once it is older than a grace period, long enough
for any upload still in flight to commit its row.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from annexa.evidence.models import EvidenceVersion
from annexa.evidence.staging import staging_dir
from annexa.evidence.storage import get_store
from annexa.ledger.models import LedgerEntry

DEFAULT_GRACE = datetime.timedelta(hours=1)
_BATCH = 500


@dataclass(frozen=True)
class Collected:
    """What one collection run did."""

    blobs_deleted: int
    orphans_kept: int  # unreferenced, but younger than the grace period
    temporary_deleted: int


def collect_orphans(*, grace: datetime.timedelta = DEFAULT_GRACE) -> Collected:
    """Delete unreferenced blobs and temporary files older than ``grace``.

    A blob is referenced by an evidence version or by a ledger entry (the ledger's record of
    content must stay verifiable), in any organization.
    """
    store = get_store()
    cutoff = timezone.now() - grace
    deleted = kept = 0
    for batch in _batches(store.iter_hashes()):
        for sha256 in sorted(set(batch) - _referenced(batch)):
            if store.delete_if_older(sha256, cutoff):
                deleted += 1
            else:
                kept += 1
    temporary = store.collect_temporary(cutoff) + _collect_staging(cutoff)
    return Collected(blobs_deleted=deleted, orphans_kept=kept, temporary_deleted=temporary)


def _batches(hashes: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(hashes)
    while batch := list(itertools.islice(iterator, _BATCH)):
        yield batch


def _referenced(batch: list[str]) -> set[str]:
    versions = EvidenceVersion.objects.filter(sha256__in=batch).values_list("sha256", flat=True)
    entries = LedgerEntry.objects.filter(blob_sha256__in=batch).values_list(
        "blob_sha256", flat=True
    )
    return set(versions) | set(entries)


def _collect_staging(cutoff: datetime.datetime) -> int:
    removed = 0
    for leftover in staging_dir().iterdir():
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff.timestamp():
                leftover.unlink()
                removed += 1
    return removed
