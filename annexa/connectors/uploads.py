"""An uploaded file as a path on disk, for the import views (web and API)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from annexa.evidence.staging import upload_temp_dir


@contextlib.contextmanager
def uploaded_path(upload) -> Iterator[Path]:
    """The upload's temporary file when Django streamed it to disk (no copy), else a copy
    of its chunks in a temporary file removed on exit (under ANNEXA_HOME, where ``annexa
    evidence gc`` finds it if the process is killed)."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(suffix=".upload", dir=upload_temp_dir()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)
