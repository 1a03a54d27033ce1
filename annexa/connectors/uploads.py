"""An uploaded file as a path on disk, for the import views (web and API)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def uploaded_path(upload) -> Iterator[Path]:
    """The upload's temporary file when Django streamed it to disk (no copy), else a copy
    of its chunks in a temporary file removed on exit."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)
