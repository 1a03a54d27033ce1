"""Safety checks for zip containers (plain zip, Office Open XML, OpenDocument) before storage.

An archive is accepted only if unpacking it cannot hurt whoever opens it later: a bounded number
of entries and unpacked bytes, no entry that expands out of proportion to its compressed size,
no path that escapes the extraction directory, no links or special files, and archives nested
at most one level (Office files legitimately embed other Office files). Every entry is actually
decompressed, so headers that lie about sizes are caught by the CRC and length checks.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from annexa.evidence.errors import Rejected

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 1024**3
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # small, highly compressible parts (XML) are normal
MAX_DEPTH = 2  # the uploaded archive is depth 1; archives inside it depth 2
ZIP_MAGIC = b"PK\x03\x04"
_READ_SIZE = 64 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024


@dataclass
class _Budget:
    """Totals over the archive and every archive nested in it."""

    entries: int = 0
    unpacked: int = 0


def check_zip(path: Path) -> None:
    """Refuse an unsafe archive with ``Rejected``."""
    with open(path, "rb") as handle:
        _check(handle, depth=1, budget=_Budget(), where="")


def _check(handle: BinaryIO, *, depth: int, budget: _Budget, where: str) -> None:
    _check_declared_count(handle, budget, where)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise Rejected(f"{where or 'the file'} is not a readable zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_entry(info, budget, where)
        _check_ratio(
            sum(info.file_size for info in infos),
            sum(info.compress_size for info in infos),
            where.rstrip("/") or "the archive",
        )
        for info in infos:
            if not info.is_dir():
                _unpack(archive, info, depth=depth, budget=budget, where=where)


def _check_declared_count(handle: BinaryIO, budget: _Budget, where: str) -> None:
    # Read the count from the end record before ZipFile builds an object per entry, so a
    # central directory with millions of entries is refused without parsing it.
    # zipfile._EndRecData is the stdlib's own end-record reader (stable since Python 2).
    record = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    if record is None:
        raise Rejected(f"{where or 'the file'} is not a readable zip archive (no end record)")
    count = record[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
    if budget.entries + count > MAX_ENTRIES:
        raise Rejected(f"the archive has more than {MAX_ENTRIES:,} entries")
    handle.seek(0)


def _check_entry(info: zipfile.ZipInfo, budget: _Budget, where: str) -> None:
    name = info.orig_filename
    label = repr(f"{where}{name}")
    _check_name(name, label)
    _check_file_type(info, label)
    if info.flag_bits & 0x1:
        raise Rejected(f"entry {label} is encrypted and cannot be checked; upload it unencrypted")
    budget.entries += 1
    if budget.entries > MAX_ENTRIES:
        raise Rejected(f"the archive has more than {MAX_ENTRIES:,} entries")
    budget.unpacked += info.file_size
    if budget.unpacked > MAX_UNPACKED_BYTES:
        raise Rejected(f"the archive unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
    _check_ratio(info.file_size, info.compress_size, f"entry {label}")


def _check_name(name: str, label: str) -> None:
    if "\x00" in name:
        raise Rejected(f"entry {label} has a NUL character in its name")
    if "\\" in name:
        raise Rejected(f"entry {label} uses a backslash in its path")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Rejected(f"entry {label} has an absolute path")
    if ".." in name.split("/"):
        raise Rejected(f"entry {label} climbs out of the archive with '..'")


def _check_file_type(info: zipfile.ZipInfo, label: str) -> None:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise Rejected(f"entry {label} is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise Rejected(f"entry {label} is a special file, not a regular file or directory")


def _check_ratio(unpacked: int, packed: int, label: str) -> None:
    if unpacked < RATIO_MIN_BYTES:
        return
    if packed == 0 or unpacked / packed > MAX_RATIO:
        raise Rejected(
            f"{label} expands more than {MAX_RATIO}:1 when unpacked (a zip bomb is refused)"
        )


def _unpack(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, depth: int, budget: _Budget, where: str
) -> None:
    """Decompress one entry (bounded memory); check it too if it is itself an archive."""
    label = f"{where}{info.orig_filename}"
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        nested = False
        try:
            with archive.open(info) as entry:
                first = entry.read(_READ_SIZE)
                nested = first.startswith(ZIP_MAGIC)
                while first:
                    if nested:
                        spool.write(first)
                    first = entry.read(_READ_SIZE)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise Rejected(f"entry {label!r} is damaged or unreadable ({exc})") from None
        if not nested:
            return
        if depth >= MAX_DEPTH:
            raise Rejected(f"entry {label!r} is an archive inside an archive inside an archive")
        spool.seek(0)
        _check(spool, depth=depth + 1, budget=budget, where=f"{label}/")  # type: ignore[arg-type]
