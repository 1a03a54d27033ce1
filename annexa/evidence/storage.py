"""Content-addressed blob storage for evidence: a small base class and backends by URL scheme.

A blob is named by the SHA-256 of its bytes, so identical content is stored once and a name can
never point at different bytes. ``get_store()`` builds the backend that ``settings.STORAGE_URL``
names: ``file:///abs/path`` (the default, under ANNEXA_HOME) or ``s3://bucket/prefix`` (with
``settings.S3_ENDPOINT_URL`` for S3-compatible servers and the standard AWS credential chain;
the backend lives in ``annexa.evidence.s3``).

Writers put the blob first and only then commit the database row that names it, so a row never
points at a missing blob; a crash in between leaves an orphan that ``collect_orphans`` removes.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, ClassVar
from urllib.parse import unquote, urlsplit

CHUNK_SIZE = 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(Exception):
    """No blob with this SHA-256 exists in the store."""


class StorageError(Exception):
    """The store is misconfigured, or content does not match the hash it was given."""


@dataclass(frozen=True)
class BlobInfo:
    """What the store knows about one blob without reading it."""

    sha256: str
    size: int
    modified: datetime


def check_sha256(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits; a name is never used unchecked."""
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise StorageError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobStore(abc.ABC):
    """Interface every backend implements. Blobs are immutable once written."""

    scheme: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: str, **options: str | None) -> BlobStore: ...

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A streaming reader of the blob's bytes; raises ``BlobMissing``."""

    @abc.abstractmethod
    def put_file(self, path: Path, sha256: str) -> None:
        """Store the file at ``path`` as blob ``sha256``; refuses content with another hash."""

    @abc.abstractmethod
    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store a stream, hashing while writing; returns (sha256, size)."""

    def put_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """``put_file`` for many files; every blob is durable when it returns.

        Backends that can make a batch durable at once (the local file store) override it.
        """
        for path, sha256 in files:
            self.put_file(path, sha256)

    def adopt_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """``put_files`` for private temporary files Annexa wrote itself and hashed while
        writing them (``evidence.staging``), so their names are their content's SHA-256.

        The store takes them over: a store on the same file system moves each into place
        instead of reading, hashing and copying it again; afterwards the files may be gone.
        """
        self.put_files(files)

    @abc.abstractmethod
    def iter_hashes(self) -> Iterator[str]: ...

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove a blob; deleting one that does not exist is not an error."""

    @abc.abstractmethod
    def info(self, sha256: str) -> BlobInfo:
        """Size and last-write time of a blob; raises ``BlobMissing``."""

    def collect_temporary(self, older_than: datetime) -> int:
        """Remove leftovers of interrupted writes older than ``older_than``; returns a count."""
        return 0

    def delete_if_older(self, sha256: str, cutoff: datetime) -> bool:
        """Delete the blob if it was last written before ``cutoff``; True if it was deleted.

        A writer that finds a blob already present renews its write time, so a blob about to
        be referenced again is kept.
        """
        try:
            if self.info(sha256).modified >= cutoff:
                return False
        except BlobMissing:
            return False
        self.delete(sha256)
        return True


_BACKENDS: dict[str, type[BlobStore]] = {}


def register(scheme: str) -> Callable[[type[BlobStore]], type[BlobStore]]:
    """Class decorator: make a backend available for ``<scheme>://`` storage URLs."""

    def decorate(cls: type[BlobStore]) -> type[BlobStore]:
        if scheme in _BACKENDS:
            raise StorageError(f"a storage backend for {scheme}:// is already registered")
        cls.scheme = scheme
        _BACKENDS[scheme] = cls
        return cls

    return decorate


def store_for_url(url: str, *, s3_endpoint_url: str | None = None) -> BlobStore:
    """The backend for a storage URL (used by ``get_store`` and by tests and tools)."""
    return _store_for(url, s3_endpoint_url)


@functools.lru_cache(maxsize=8)
def _store_for(url: str, s3_endpoint_url: str | None) -> BlobStore:
    # Built-in backends outside this module register themselves when imported.
    import annexa.evidence.s3  # noqa: F401

    scheme = urlsplit(url).scheme
    backend = _BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(f"{name}://" for name in sorted(_BACKENDS))
        raise StorageError(f"ANNEXA_STORAGE_URL {url!r}: unknown scheme; use one of {known}")
    return backend.from_url(url, s3_endpoint_url=s3_endpoint_url)


def get_store() -> BlobStore:
    """The configured evidence store (cached per configuration, built on first use)."""
    from django.conf import settings

    return _store_for(settings.STORAGE_URL, getattr(settings, "S3_ENDPOINT_URL", None))


def _fsync_dir(path: Path) -> None:
    """fsync a directory (or a file: opened read-only, which fsync accepts on Linux)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


SYNC_THREADS = 16


def _fsync_all(paths: Iterable[Path]) -> None:
    """fsync every file or directory in ``paths``; returns when all are durable.

    The calls run side by side: a file system commits concurrent fsyncs together (one journal
    commit and one cache flush for the lot), where one after another each pays for its own —
    about 0.1 ms against 3-7 ms each on the development machine. An error is raised after all
    have been tried.
    """
    paths = list(paths)
    if len(paths) < 2:
        for path in paths:
            _fsync_dir(path)
        return
    with ThreadPoolExecutor(max_workers=min(SYNC_THREADS, len(paths))) as pool:
        for _ in pool.map(_fsync_dir, paths):
            pass


@register("file")
class FileBlobStore(BlobStore):
    """Blobs as files ``root/ab/cd/abcd…``, written crash-safely.

    A write goes to a temporary file in ``root/.tmp`` (same file system, so the rename is
    atomic), is fsynced, renamed into place, and the directory is fsynced: after a crash a blob
    path holds either nothing or the complete content.
    """

    TEMP_DIR = ".tmp"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp_dir = root / self.TEMP_DIR
        self._root_text = os.fspath(root)

    @classmethod
    def from_url(cls, url: str, **options: str | None) -> FileBlobStore:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise StorageError(f"ANNEXA_STORAGE_URL {url!r}: a file URL names a local path")
        path = Path(unquote(parts.path))
        if not path.is_absolute():
            raise StorageError(f"ANNEXA_STORAGE_URL {url!r}: the path must be absolute")
        return cls(path)

    def path_for(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _name_for(self, sha256: str) -> str:
        """``path_for`` as a string: string joins, not pathlib (which dominated ``annexa
        verify`` of many small blobs)."""
        check_sha256(sha256)
        return os.path.join(self._root_text, sha256[:2], sha256[2:4], sha256)

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self._name_for(sha256))

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self._name_for(sha256), "rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None

    def info(self, sha256: str) -> BlobInfo:
        try:
            stat = self.path_for(sha256).stat()
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        return BlobInfo(sha256=sha256, size=stat.st_size, modified=modified)

    def put_file(self, path: Path, sha256: str) -> None:
        check_sha256(sha256)
        if self._refresh_existing(sha256):
            return
        with open(path, "rb") as source:
            self._write(_read_chunks(source), expected=sha256)

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        return self._write(chunks, expected=None)

    def put_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """Store many files at once, each as crash-safely as ``put_file``, for less.

        Every blob still goes temp file → fsync → rename, and its directory is fsynced before
        this returns, so a caller that commits rows naming the blobs after it returns never
        names a missing or partial one. What is shared: all temporary files are written first,
        then fsynced together; all are renamed into place, then every directory touched (and
        the directory of each blob found already present, which another writer may have just
        renamed there) is fsynced together. A crash anywhere before the return leaves complete
        blobs or orphaned temporary files, never a partial blob under its name; a content that
        does not hash to its name is refused before anything is renamed.
        """
        self._put_all(files, adopt=False)

    def adopt_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """``put_files`` without the copy: each file (on this store's file system) is itself
        the temporary file that is fsynced and renamed into place, the same crash-safe steps;
        a file on another file system is copied and hashed as ``put_files`` does."""
        self._put_all(files, adopt=True)

    def _put_all(self, files: Sequence[tuple[Path, str]], *, adopt: bool) -> None:
        written: dict[str, Path] = {}
        directories: set[Path] = set()
        device = self._device() if adopt else None
        try:
            for path, sha256 in files:
                check_sha256(sha256)
                if sha256 in written:
                    continue
                if self._refresh_existing(sha256):
                    directories.add(self.path_for(sha256).parent)
                    continue
                if device is not None and os.stat(path).st_dev == device:
                    written[sha256] = path
                    continue
                with open(path, "rb") as source:
                    written[sha256] = self._copy_to_temp(_read_chunks(source), sha256)
            _fsync_all(written.values())
            known: set[Path] = set()
            for sha256, temp in written.items():
                self._move_into_place(temp, sha256, directories, known)
            _fsync_all(sorted(directories))
        finally:
            for temp in written.values():
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()

    def _device(self) -> int:
        """The file system (``st_dev``) the blobs live on; a file there can be renamed in."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        return os.stat(self.temp_dir).st_dev

    def _copy_to_temp(self, chunks: Iterable[bytes], expected: str) -> Path:
        """A temporary file holding ``chunks`` (not yet fsynced); refused unless it hashes to
        ``expected``."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=self.temp_dir, suffix=".part")
        temp = Path(temp_name)
        try:
            sha256, _size = copy_hashing(chunks, fd, sync=False)
            if sha256 != expected:
                raise StorageError(f"content hashes to {sha256}, not {expected}")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp

    def iter_hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for blob in sorted(second.iterdir()):
                    if SHA256_RE.match(blob.name) and blob.name[:4] == first.name + second.name:
                        yield blob.name

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(sha256).unlink()

    def collect_temporary(self, older_than: datetime) -> int:
        if not self.temp_dir.is_dir():
            return 0
        cutoff = older_than.timestamp()
        removed = 0
        for leftover in self.temp_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        return removed

    def delete_if_older(self, sha256: str, cutoff: datetime) -> bool:
        # Move the blob aside first (atomic), then judge its age: a writer that renewed it just
        # before the move is seen in the mtime and the blob is put back; a writer that comes
        # after the move finds no blob and writes it again itself.
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        aside = self.temp_dir / f"{check_sha256(sha256)}.collect"
        try:
            os.replace(self.path_for(sha256), aside)
        except FileNotFoundError:
            return False
        if datetime.fromtimestamp(aside.stat().st_mtime, tz=UTC) >= cutoff:
            os.replace(aside, self.path_for(sha256))
            return False
        aside.unlink()
        return True

    def _refresh_existing(self, sha256: str) -> bool:
        """True if the blob exists; its mtime is renewed so the orphan collector's grace period
        protects it until the row that now references it is committed."""
        try:
            os.utime(self.path_for(sha256))
        except FileNotFoundError:
            return False
        return True

    def _write(self, chunks: Iterable[bytes], *, expected: str | None) -> tuple[str, int]:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=self.temp_dir, suffix=".part")
        temp = Path(temp_name)
        try:
            sha256, size = copy_hashing(chunks, fd)
            if expected is not None and sha256 != expected:
                raise StorageError(f"content hashes to {sha256}, not {expected}")
            if not self._refresh_existing(sha256):
                self._move_into_place(temp, sha256)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return sha256, size

    def _move_into_place(
        self,
        temp: Path,
        sha256: str,
        unsynced: set[Path] | None = None,
        known: set[Path] | None = None,
    ) -> None:
        """Rename the (fsynced) ``temp`` into place and fsync the directories that changed;
        with ``unsynced``, add them to it instead, for the caller to fsync before it relies
        on the blob. ``known`` collects the shard directories seen to exist, so a batch looks
        each up once."""
        final = self.path_for(sha256)
        changed = []
        for directory in (final.parent.parent, final.parent):
            if known is not None and directory in known:
                continue
            if not directory.is_dir():
                directory.mkdir(exist_ok=True)
                changed.append(directory.parent)
            if known is not None:
                known.add(directory)
        os.chmod(temp, 0o440)
        os.replace(temp, final)
        changed.append(final.parent)
        if unsynced is not None:
            unsynced.update(changed)
            return
        for directory in changed:
            _fsync_dir(directory)


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_SIZE):
        yield chunk


def copy_hashing(chunks: Iterable[bytes], fd: int, *, sync: bool = True) -> tuple[str, int]:
    """Write ``chunks`` to ``fd`` (then fsync, unless ``sync`` is false, and close it); returns
    (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "wb") as handle:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())
    return digest.hexdigest(), size


__all__ = [
    "BlobInfo",
    "BlobMissing",
    "BlobStore",
    "FileBlobStore",
    "StorageError",
    "get_store",
    "hash_file",
    "register",
]
