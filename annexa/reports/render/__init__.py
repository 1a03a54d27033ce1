"""Rendering an ``AuditReport`` in each format: ``render(report, format) -> bytes``.

HTML, PDF, Markdown and DOCX are rendered here; OSCAL assessment results come from
``annexa.reports.oscal``, imported when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa.reports.choices import ReportFormat

if TYPE_CHECKING:  # the PDF worker process imports this package without Django set up
    from annexa.reports.data import AuditReport

MEDIA_TYPES: dict[str, str] = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.DOCX: ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.MD: "text/markdown; charset=utf-8",
    ReportFormat.OSCAL: "application/json",
}
EXTENSIONS: dict[str, str] = {
    ReportFormat.PDF: "pdf",
    ReportFormat.DOCX: "docx",
    ReportFormat.HTML: "html",
    ReportFormat.MD: "md",
    ReportFormat.OSCAL: "oscal.json",
}


class RenderError(Exception):
    """A report could not be produced in a format; the message says why."""


class PDFUnavailable(RenderError):
    """The PDF renderer failed or took longer than the limit: the server, not the request, is
    what failed (the pages and the API answer 503)."""


def filename(report: AuditReport, report_format: str) -> str:
    """``IA-2026-01-report-v2.pdf`` for an issued version, ``…-report-draft.pdf`` otherwise."""
    version = f"v{report.issue_number}" if report.issue_number else "draft"
    return f"{report.audit.reference}-report-{version}.{EXTENSIONS[report_format]}"


def render(report: AuditReport, report_format: str) -> bytes:
    """The report in ``report_format`` (a ``ReportFormat`` value), as bytes."""
    if report_format == ReportFormat.HTML:
        from annexa.reports.render.html import render_html

        return render_html(report).encode("utf-8")
    if report_format == ReportFormat.PDF:
        from annexa.reports.render.html import render_html
        from annexa.reports.render.pdf import render_pdf

        return render_pdf(render_html(report), report)
    if report_format == ReportFormat.MD:
        from annexa.reports.render.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if report_format == ReportFormat.DOCX:
        from annexa.reports.render.docx import render_docx

        return render_docx(report)
    if report_format == ReportFormat.OSCAL:
        return _oscal(report)
    raise RenderError(
        f"unknown report format {report_format!r}; use one of {', '.join(ReportFormat.values)}"
    )


def _oscal(report: AuditReport) -> bytes:
    # Imported when asked for: the serializer lives in its own module and may be absent from
    # a partial installation, which must not stop the other formats.
    try:
        from annexa.reports.oscal import OscalError, assessment_results
    except ImportError as exc:
        raise RenderError(f"the OSCAL format is not available ({exc})") from None
    try:
        return assessment_results(report)
    except OscalError as exc:
        raise RenderError(str(exc)) from None
