"""What a user sees when the server, not their input, fails: the database is down (503) or the
storage is full (507) — a page or, under ``/api/``, ``{"detail": "..."}`` — instead of a bare
"Server Error (500)".

``ResourceErrorMiddleware`` answers exceptions raised by a view; ``server_error`` (Django's
``handler500``) answers the same ones raised elsewhere (a middleware reading the session) and
draws every other 500. Each is logged as one line with its cause and no traceback: these are
operating conditions, not bugs. Nothing is half-written, because every change happens in one
service transaction (rolled back by the exception) and blobs are renamed into place only once
completely written. The pages render without the database or the static files.
"""

from __future__ import annotations

import errno
import logging
import sys
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger("annexa.errors")

# Seconds a client should wait before trying again when the database does not answer.
RETRY_AFTER_SECONDS = 30

# PostgreSQL SQLSTATEs that mean "the server is unreachable or refuses work right now":
# class 08 (connection exception), shutdowns, too many connections.
_PG_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}
_PG_DISK_FULL = "53100"
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file")
_SQLITE_DISK_FULL = "database or disk is full"
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


@dataclass(frozen=True)
class Failure:
    status: int
    title: str
    message: str
    cause: str  # for the log line


DATABASE_UNAVAILABLE = (
    503,
    "The database is not answering",
    "Annexa cannot read or save anything until its database is back. Nothing of this request "
    "was saved. Try again in a minute; if this lasts, tell the administrator of this server.",
)
STORAGE_FULL = (
    507,
    "The server's storage is full",
    "There is no room left to save this, so nothing of this request was saved. Tell the "
    "administrator of this server: the disk that holds Annexa's data or evidence needs space.",
)
SERVER_ERROR = (
    500,
    "Something went wrong on the server",
    "This request failed because of an error in Annexa, not in what you sent. It was logged "
    "for the administrator of this server. Try again; if it happens again, tell them.",
)


def _chain(exc: BaseException):
    """``exc`` and the exceptions it was raised from (a storage error wrapping an OSError)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _database_failure(exc: Exception) -> tuple[int, str, str] | None:
    if isinstance(exc, InterfaceError):  # e.g. "connection already closed"
        return DATABASE_UNAVAILABLE
    if not isinstance(exc, OperationalError):
        return None
    driver = exc.__cause__
    sqlstate = getattr(driver, "sqlstate", None)
    if driver is not None and type(driver).__module__.startswith("psycopg"):
        if sqlstate == _PG_DISK_FULL:
            return STORAGE_FULL
        if sqlstate is None or sqlstate.startswith("08") or sqlstate in _PG_UNAVAILABLE:
            return DATABASE_UNAVAILABLE
        return None  # a query the server refused: a bug, not an outage
    text = str(exc).lower()
    if _SQLITE_DISK_FULL in text:
        return STORAGE_FULL
    if any(phrase in text for phrase in _SQLITE_UNAVAILABLE):
        return DATABASE_UNAVAILABLE
    return None


def classify(exc: BaseException) -> Failure | None:
    """The failure ``exc`` stands for, or ``None`` when it is an ordinary error (a bug)."""
    for link in _chain(exc):
        kind = _database_failure(link) if isinstance(link, Exception) else None
        if kind is None and isinstance(link, OSError) and link.errno in _STORAGE_ERRNOS:
            kind = STORAGE_FULL
        if kind is not None:
            status, title, message = kind
            first_line = (str(link).strip().splitlines() or [""])[0]
            return Failure(status, title, message, f"{type(link).__name__}: {first_line}")
    return None


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_failure(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """The page (or JSON) for ``status``, built without the database."""
    if wants_json(request):
        response: HttpResponse = JsonResponse({"detail": f"{title}. {message}"}, status=status)
    else:
        # No request context: the context processors would read the session and the user.
        htmx = bool(getattr(request, "htmx", False))
        html = loader.get_template("core/error.html").render(
            {"status": status, "title": title, "message": message, "fragment": htmx}
        )
        response = HttpResponse(html, status=status)
        if htmx:
            # An htmx request swaps the message into the page it came from (see base.html).
            response["HX-Retarget"] = "#server-error"
            response["HX-Reswap"] = "innerHTML"
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def failure_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The answer to ``exc`` when it is a database outage or a full disk, logged once."""
    failure = classify(exc)
    if failure is None:
        return None
    logger.error(
        "%s %s %s: %s (%s)",
        failure.status,
        request.method,
        request.path,
        failure.title.lower(),
        failure.cause,
    )
    response = render_failure(request, failure.status, failure.title, failure.message)
    response._has_been_logged = True  # Django's request logger would add a second line
    return response


class ResourceErrorMiddleware:
    """Turns a view's database outage or full disk into a 503/507 page or JSON."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        return failure_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an outage or full disk outside a view gets its own answer; any other
    error the styled 500 page (JSON under ``/api/``), logged with its traceback by Django."""
    exc = sys.exc_info()[1]
    if exc is not None:
        response = failure_response(request, exc)
        if response is not None:
            return response
    return render_failure(request, *SERVER_ERROR)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: JSON under ``/api/`` (an API client reads ``detail``, not a page), else
    Django's page. Covers URLs no route matches, such as ``/api/v1/orgs/a,b/``."""
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
