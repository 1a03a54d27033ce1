"""Bringing content in: stream it to a private temporary file, hashing and counting as it goes.

Nothing is ever read whole into memory, and the size limit is enforced while streaming: the
moment the count passes ``settings.UPLOAD_MAX_BYTES`` the upload stops, before reading further.
The staged file is then checked (``content.identify``) and handed to the blob store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from annexa.evidence.errors import EvidenceError, TooLarge
from annexa.evidence.storage import CHUNK_SIZE


@dataclass(frozen=True)
class Staged:
    """Content ready to be checked and stored: ``path`` is always a private temporary file,
    hashed while it was written, which the blob store takes over (``BlobStore.adopt_files``)
    instead of copying it. ``text_checked``: every byte was already read as UTF-8 text without
    control bytes (``content.identify`` need not scan it again)."""

    path: Path
    sha256: str
    size: int
    text_checked: bool = False


@dataclass(frozen=True)
class Prepared:
    """Content a part of Annexa has already read whole and kept (an OCSF import's
    inspection): a private temporary file under ``staging_dir()`` written while hashing, so
    ``sha256`` and ``size`` are those of the bytes written, and whether every byte was read
    as UTF-8 text without control bytes by a validating parser. Never built from anything a
    user hands in; ``staged`` takes the file over (it is moved into the store or removed)."""

    path: Path
    sha256: str
    size: int
    text_checked: bool = False


STAGING_FOLDER = "evidence"  # below temp_root()


def temp_root() -> Path:
    """``ANNEXA_HOME/tmp``: every temporary file of Annexa lives in a folder below it (evidence
    staging, web uploads, connector scratch folders), where ``annexa evidence gc`` finds the
    leftovers of killed processes."""
    return Path(settings.HOME) / "tmp"


def staging_dir() -> Path:
    """Where uploads wait while they are checked (under ANNEXA_HOME; cleaned by ``gc``)."""
    path = temp_root() / STAGING_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def staging_file() -> tuple[int, Path]:
    """A new private file in ``staging_dir()``, open for writing: (descriptor, path). The
    folder is created only when missing (one system call less for each file staged)."""
    folder = temp_root() / STAGING_FOLDER
    try:
        fd, name = tempfile.mkstemp(dir=folder, suffix=".upload")
    except FileNotFoundError:
        fd, name = tempfile.mkstemp(dir=staging_dir(), suffix=".upload")
    return fd, Path(name)


def upload_temp_dir() -> Path:
    """Where the web server streams uploaded files (``settings.FILE_UPLOAD_TEMP_DIR``, under
    ANNEXA_HOME/tmp), created when missing."""
    path = Path(settings.FILE_UPLOAD_TEMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def json_bytes(document: Any) -> bytes:
    """A collected JSON document as stored: sorted keys, so equal documents dedupe."""
    try:
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"the document is not JSON-serialisable: {exc}") from None
    return (text + "\n").encode("utf-8")


@contextlib.contextmanager
def staged(
    *,
    chunks: Iterable[bytes] | None = None,
    path: Path | None = None,
    json_document: Any = None,
    prepared: Prepared | None = None,
) -> Iterator[Staged]:
    """Stage exactly one kind of content; temporary files are removed on exit.

    Chunks, documents and files given by ``path`` are copied to a private temporary file
    while they are hashed (the file given is read once and never changed), which the blob
    store then moves into place; ``prepared`` content is such a file already.
    """
    given = [chunks is not None, path is not None, json_document is not None, prepared]
    if sum(bool(g) for g in given) != 1:
        raise EvidenceError("give exactly one of chunks, path, json_document or prepared")
    if prepared is not None:
        try:
            if prepared.size > max_bytes():
                raise TooLarge(max_bytes())
            yield Staged(
                path=prepared.path,
                sha256=prepared.sha256,
                size=prepared.size,
                text_checked=prepared.text_checked,
            )
        finally:
            prepared.path.unlink(missing_ok=True)
        return
    if path is not None:
        chunks = _file_chunks(Path(path))
    elif json_document is not None:
        chunks = [json_bytes(json_document)]
    assert chunks is not None
    fd, temp = staging_file()
    try:
        sha256, size = _write_limited(chunks, fd, max_bytes())
        yield Staged(path=temp, sha256=sha256, size=size)
    finally:
        temp.unlink(missing_ok=True)


def _file_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of a file on disk, refused before reading when it is already too large."""
    if not path.is_file():
        raise EvidenceError(f"{path.name!r} is not a readable file")
    limit = max_bytes()
    if path.stat().st_size > limit:
        raise TooLarge(limit)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def _write_limited(chunks: Iterable[bytes], fd: int, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "wb") as handle:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise TooLarge(limit)
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest(), size
