"""Django upload handlers: files stream to ANNEXA_HOME, and the evidence upload has a limit.

Every upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` goes to a temporary file in
``settings.FILE_UPLOAD_TEMP_DIR`` (``ANNEXA_HOME/tmp/uploads``, see ``settings.py``), never to
the system's /tmp: a web worker killed in the middle of a body leaves its file there, and
``annexa evidence gc`` (and the worker's hourly job) removes it once it is older than the grace
period. ``TemporaryFileUploadHandler`` creates that folder when it is missing.

``LimitedUploadHandler`` enforces ``settings.UPLOAD_MAX_BYTES`` while receiving. Install it
before the request body is parsed (``limit_uploads``): the file goes to a temporary file on
disk, never into memory, and once it passes the limit the rest of it is discarded instead of
stored, so an oversized upload costs bandwidth but neither memory nor disk.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files import uploadhandler
from django.core.files.uploadhandler import SkipFile
from django.http import HttpRequest

from annexa.evidence.errors import TooLarge
from annexa.evidence.staging import upload_temp_dir


class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    """Django's handler, creating ``FILE_UPLOAD_TEMP_DIR`` under ANNEXA_HOME when missing (a
    new or cleaned home), so an upload never fails for want of its folder."""

    def new_file(self, *args, **kwargs) -> None:
        upload_temp_dir()
        super().new_file(*args, **kwargs)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams each file to disk; skips one that grows past the limit and remembers it."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = int(settings.UPLOAD_MAX_BYTES)
        self.too_large: TooLarge | None = None
        self._received = 0

    def new_file(self, *args, **kwargs) -> None:
        self._received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > self.limit:
            self.too_large = TooLarge(self.limit)
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


def limit_uploads(request: HttpRequest) -> LimitedUploadHandler:
    """Replace the request's upload handlers (before the body is read) with the limited one."""
    handler = LimitedUploadHandler(request)
    request.upload_handlers = [handler]
    return handler


def content_of(upload) -> dict:
    """Keyword arguments for ``services.store``/``new_version`` carrying an uploaded file:
    its temporary path when it was streamed to disk (no copy), its chunks otherwise."""
    if hasattr(upload, "temporary_file_path"):
        return {"path": upload.temporary_file_path()}
    return {"chunks": upload.chunks()}
