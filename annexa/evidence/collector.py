"""The orphan collector: blobs no row references, and leftovers of interrupted work.

A blob is written before the row that names it, so a crash between the two leaves a blob
nobody references. Such a blob is deleted once it is older than a grace period, long enough
for any upload still in flight to commit its row.

A process killed mid-way (``kill -9``, an out-of-memory kill, a power cut) also leaves its
temporary files: partial blobs in the file store's ``.tmp``, and everything under
``ANNEXA_HOME/tmp`` (``staging.temp_root``): evidence being checked (``evidence/``), request
bodies the web server was receiving (``uploads/``, Django's ``FILE_UPLOAD_TEMP_DIR``) and
connector scratch folders (``connectors/``). A file is removed once it was last written before
the grace period, a folder once nothing in it was: a file still being written (an upload in
progress, a connector run filling its scratch folder) has a fresh modification time and is
kept. ``annexa evidence gc`` runs this; so does the worker every hour (``tasks.py``).
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from annexa.evidence.models import EvidenceVersion
from annexa.evidence.staging import temp_root, upload_temp_dir
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
    temporary = store.collect_temporary(cutoff) + collect_temporary(cutoff)
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


def temporary_folders() -> list[Path]:
    """The folders whose entries are temporary: each folder under ``ANNEXA_HOME/tmp``, and the
    upload folder wherever ``FILE_UPLOAD_TEMP_DIR`` points."""
    folders = {upload_temp_dir()}
    root = temp_root()
    if root.is_dir():
        folders.update(entry for entry in root.iterdir() if _is_real_dir(entry))
    return sorted(folders)


def collect_temporary(cutoff: datetime.datetime) -> int:
    """Remove the entries of ``temporary_folders()`` last written before ``cutoff``; a count."""
    removed = 0
    for folder in temporary_folders():
        for entry in sorted(folder.iterdir()):
            with contextlib.suppress(FileNotFoundError):
                if _newest_write(entry) < cutoff.timestamp():
                    _remove(entry)
                    removed += 1
    return removed


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _newest_write(entry: Path) -> float:
    """The latest modification time of ``entry`` and, for a folder, of everything in it (a
    scratch folder whose run still writes a file deep inside is in use)."""
    newest = entry.lstat().st_mtime
    if not _is_real_dir(entry):
        return newest
    for folder, dirs, files in os.walk(entry):
        for name in [*dirs, *files]:
            with contextlib.suppress(FileNotFoundError):
                newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    return newest


def _remove(entry: Path) -> None:
    if _is_real_dir(entry):
        shutil.rmtree(entry)
    else:
        entry.unlink()
