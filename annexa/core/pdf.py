"""PDF rendering in a separate process with a time limit (reports, checklists, minutes).

A separate process because WeasyPrint cannot be interrupted from inside: a pathological
document (or a very large audit) must not hold a web worker forever. The worker
(``annexa.core.pdf_worker``) loads nothing but the document's own assets
(``pdf_fetcher.AssetFetcher``); it is stopped after ``ANNEXA_REPORT_PDF_SECONDS`` (300).

A process renders one document and exits. Starting one and loading WeasyPrint costs about
0.6 s of CPU, so a served web process (``annexa serve`` turns it on with ``keep_spare``) keeps
one worker started ahead of need: it loads WeasyPrint and waits on its input; a render takes it
and starts the next one beside it (on another core while the first renders). An unused spare
ends when its parent closes the pipe at exit. Short-lived processes (the CLI, tests) render
without one: a spare they would start only to close it is wasted work.
"""

from __future__ import annotations

import atexit
import json
import logging
import subprocess
import sys
import threading

# Seconds; the default when ``settings.REPORT_PDF_SECONDS`` (ANNEXA_REPORT_PDF_SECONDS) is unset.
# The benchmark's 200-finding, 5,000-evidence report renders in well under a minute.
TIME_LIMIT = 300
COMMAND = (sys.executable, "-m", "annexa.core.pdf_worker")
log = logging.getLogger(__name__)
_lock = threading.Lock()
_spare: subprocess.Popen | None = None
_keep_spare = False


def keep_spare(on: bool = True) -> None:
    """Keep a worker ready ahead of the next render (long-running processes only)."""
    global _keep_spare
    _keep_spare = on


class PDFError(Exception):
    """The PDF could not be rendered, or took too long; the message says what to do."""


def configured_limit() -> float:
    from django.conf import settings

    return float(getattr(settings, "REPORT_PDF_SECONDS", TIME_LIMIT))


def render_isolated(
    html: str,
    *,
    what: str = "the PDF",
    alternatives: str = "another format",
    time_limit: float | None = None,
) -> bytes:
    """The PDF of ``html`` rendered by the worker process, or ``PDFError``.

    ``what`` names the document in messages ("the PDF of IA-2026-01"), ``alternatives`` the
    formats to use instead when it takes too long; ``time_limit`` defaults to the configured one.
    """
    if time_limit is None:
        time_limit = configured_limit()
    worker = _take_worker()
    try:
        stdout, stderr = worker.communicate(html.encode("utf-8"), timeout=time_limit)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.communicate()
        raise PDFError(
            f"{what} took longer than {time_limit:g} seconds to render and was stopped; "
            f"use {alternatives} or raise the limit, ANNEXA_REPORT_PDF_SECONDS"
        ) from None
    if worker.returncode != 0 or not stdout.startswith(b"%PDF"):
        problem = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise PDFError(f"the PDF renderer failed: {problem[0]}")
    _log_refused(stderr, what)
    return stdout


def _start_worker() -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own module, fixed argv, no shell
        COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _take_worker() -> subprocess.Popen:
    """The spare worker if it is alive (else a new one), and a new spare in its place."""
    global _spare
    with _lock:
        worker, _spare = _spare, None
        if worker is None or worker.poll() is not None:
            worker = _start_worker()
        if _keep_spare:
            _spare = _start_worker()
    return worker


@atexit.register
def _end_spare() -> None:
    """Close the spare's input (it exits without output) and collect it."""
    global _spare
    with _lock:
        spare, _spare = _spare, None
    if spare is not None and spare.poll() is None:
        try:
            spare.communicate(b"", timeout=5)
        except subprocess.TimeoutExpired:
            spare.kill()
            spare.communicate()


def _log_refused(stderr: bytes, what: str) -> None:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith('{"refused"'):
            refused = json.loads(line)["refused"]
            if refused:
                log.warning("%s asked for %d refused URL(s): %s", what, len(refused), refused)


def failure_response(request, exc: Exception):
    """503 with the reason (a page, or ``{"detail": …}`` under ``/api/``) for a PDF that could
    not be rendered: the server's limit, not the request, is what failed."""
    from annexa.core.errors import render_failure

    log.warning("%s %s: %s", request.method, request.path, exc)
    return render_failure(request, 503, "The PDF could not be made", f"{exc}.")
