"""The report as PDF: WeasyPrint renders the HTML in a separate process with a time limit
(``annexa.core.pdf``, shared with the audit checklist and the review minutes)."""

from __future__ import annotations

from annexa.core.pdf import TIME_LIMIT, PDFError, configured_limit, render_isolated
from annexa.reports.data import AuditReport
from annexa.reports.render import PDFUnavailable

__all__ = ["TIME_LIMIT", "configured_limit", "render_pdf"]


def render_pdf(
    html: str, report: AuditReport | None = None, *, time_limit: float | None = None
) -> bytes:
    """The PDF of ``html``, or ``PDFUnavailable`` (a ``RenderError``) when rendering fails or
    takes too long.

    ``time_limit`` defaults to the configured limit (``configured_limit()``).
    """
    what = f"the PDF of {report.audit.reference}" if report else "the PDF"
    try:
        return render_isolated(
            html, what=what, alternatives="another format (DOCX, HTML)", time_limit=time_limit
        )
    except PDFError as exc:
        raise PDFUnavailable(str(exc)) from None
