"""Request body limits: an oversized body is refused with 413 before anything reads it.

Every route has a limit on its request body. Upload and import views declare theirs with
``@body_limit(...)`` (the route's file limit plus ``FORM_OVERHEAD`` for the multipart framing and
the form's other fields); every other route gets ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE``.
``BodyLimitMiddleware`` runs before the CSRF middleware (which reads the body of a POST) and:

- with a ``Content-Length``: refuses a larger one with 413 without reading a byte of the body;
- without one (``Transfer-Encoding: chunked``): reads the body into a spooled temporary file
  (in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, then on disk under ``FILE_UPLOAD_TEMP_DIR``)
  and stops with 413 as soon as it passes the limit, so at most limit + one chunk is read. A
  body within the limit is then handed to Django with its length, as if it had been sent with
  one (Django itself reads nothing of a body without a length).

``UPLOAD_ROUTES`` lists every decorated view, so the tests can prove that each one refuses an
oversized body.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from annexa.core.errors import render_failure

logger = logging.getLogger("annexa.security")

# Room for the multipart boundaries, part headers and the form's text fields (notes, titles).
FORM_OVERHEAD = 1024 * 1024
CHUNK = 64 * 1024

Limit = int | str | Callable[[], int]
UPLOAD_ROUTES: list[type] = []


def body_limit(limit: Limit):
    """Class decorator for an upload or import view: its body may hold ``limit`` bytes of file
    (an int, the name of a setting, or a callable read per request) plus ``FORM_OVERHEAD``."""

    def decorate(view_class: type) -> type:
        view_class.body_limit = limit
        UPLOAD_ROUTES.append(view_class)
        return view_class

    return decorate


def file_limit(view_class: type) -> int:
    """The file bytes a decorated view accepts (resolving a setting's name or a callable)."""
    limit = view_class.body_limit
    if callable(limit):
        return int(limit())
    if isinstance(limit, str):
        return int(getattr(settings, limit))
    return int(limit)


def limit_for(view_func) -> int:
    """The largest body the view behind ``view_func`` accepts."""
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    if view_class is not None and hasattr(view_class, "body_limit"):
        return file_limit(view_class) + FORM_OVERHEAD
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    logger.warning(
        "413 %s %s: request body over the route's limit of %d bytes",
        request.method,
        request.path,
        limit,
    )
    response = render_failure(
        request,
        413,
        "The request is too large",
        f"This page accepts at most {limit:,} bytes per request. Nothing was stored. Send a "
        "smaller file (the limit for evidence is ANNEXA_UPLOAD_MAX_BYTES).",
    )
    response["Connection"] = "close"  # the unread rest of the body is not worth receiving
    return response


def _declared_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    try:
        return max(int(raw), 0)
    except ValueError:
        return 0  # Django reads nothing of a body whose length it cannot parse


def _has_unsized_body(request: HttpRequest) -> bool:
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return chunked or bool(request.META.get("wsgi.input_terminated"))


def _spool(request: HttpRequest, limit: int) -> bool:
    """Read a body without a length into a spooled file; ``False`` once it passes ``limit``."""
    folder = settings.FILE_UPLOAD_TEMP_DIR
    if folder:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by the middleware)
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=folder or None
    )
    source = request.META["wsgi.input"]
    received = 0
    while chunk := source.read(min(CHUNK, limit + 1 - received)):
        received += len(chunk)
        if received > limit:
            spool.close()
            return False
        spool.write(chunk)
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(received)
    request._stream = LimitedStream(spool, received)
    request._body_spool = spool  # closed by the middleware once the response is ready
    return True


def refuse_oversized(request: HttpRequest, limit: int) -> HttpResponse | None:
    """413 when the body is larger than ``limit``; ``None`` when the view may read it."""
    length = _declared_length(request)
    if length is not None:
        return too_large(request, limit) if length > limit else None
    if _has_unsized_body(request) and not _spool(request, limit):
        return too_large(request, limit)
    return None


class BodyLimitMiddleware:
    """Refuses a body over the route's limit before any view or middleware reads it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            spool = getattr(request, "_body_spool", None)
            if spool is not None:
                spool.close()  # an unnamed temporary file: nothing is left on disk

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        return refuse_oversized(request, limit_for(view_func))
