"""The report as PDF: WeasyPrint renders the HTML in a separate process with a time limit.

A separate process because WeasyPrint cannot be interrupted from inside: a pathological
document (or a very large audit) must not hold a web worker forever. The process only ever
loads the report's own assets (``fetcher.AssetFetcher``).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from annexa.reports.data import AuditReport
from annexa.reports.render import RenderError

# Seconds; the default when ``settings.REPORT_PDF_SECONDS`` (ANNEXA_REPORT_PDF_SECONDS) is unset.
# The benchmark's 200-finding, 5,000-evidence report renders in well under a minute.
TIME_LIMIT = 300
log = logging.getLogger(__name__)


def configured_limit() -> float:
    from django.conf import settings

    return float(getattr(settings, "REPORT_PDF_SECONDS", TIME_LIMIT))


def render_pdf(
    html: str, report: AuditReport | None = None, *, time_limit: float | None = None
) -> bytes:
    """The PDF of ``html``, or ``RenderError`` when rendering fails or takes too long.

    ``time_limit`` defaults to the configured limit (``configured_limit()``).
    """
    if time_limit is None:
        time_limit = configured_limit()
    command = [sys.executable, "-m", "annexa.reports.render.pdf_worker"]
    try:
        done = subprocess.run(  # noqa: S603 - our own module, fixed argv, no shell
            command,
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=time_limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        what = f" of {report.audit.reference}" if report else ""
        raise RenderError(
            f"the PDF{what} took longer than {time_limit:g} seconds to render and was stopped; "
            "use another format (DOCX, HTML) or raise the limit, ANNEXA_REPORT_PDF_SECONDS"
        ) from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RenderError(f"the PDF renderer failed: {problem[0]}")
    _log_refused(done.stderr)
    return done.stdout


def _log_refused(stderr: bytes) -> None:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith('{"refused"'):
            refused = json.loads(line)["refused"]
            if refused:
                log.warning(
                    "the report's PDF asked for %d refused URL(s): %s", len(refused), refused
                )
