"""The report as one self-contained HTML page: inline CSS and SVG, no external resource.

Every text users typed is escaped, so a note holding markup is shown as text, and the page (and
the PDF made from it) never refers to anything outside itself. The template draws the page's
structure; the long parts (checklist, manifest, findings, sampling records) are written here
from the row builders of ``render/rows.py``, as the template engine takes seconds for thousands
of rows.
"""

from __future__ import annotations

from html import escape

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from annexa.reports.data import AuditReport
from annexa.reports.render import rows
from annexa.reports.render.charts import charts


def text(value: object) -> str:
    """``value`` escaped for HTML, its line breaks kept as ``<br>``."""
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br>")


def table_rows(cells: list[tuple[str, ...]]) -> SafeString:
    """Body rows of a table, every cell escaped."""
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe(  # noqa: S308 - every cell goes through text()  # nosec B308
        "".join(
            "<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>\n" for row in cells
        )
    )


def field_rows(fields: list[tuple[str, str]]) -> SafeString:
    """A two-column table of labelled values (the label as a row header)."""
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe(  # noqa: S308 - labels and values go through text()  # nosec B308
        "".join(
            f'<tr><th class="field" scope="row">{text(label)}</th><td>{text(value)}</td></tr>\n'
            for label, value in fields
        )
    )


def paragraphs(fields: list[tuple[str, str]]) -> SafeString:
    """Labelled values as paragraphs (``Label: value``): lighter for the PDF than a table."""
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe(  # noqa: S308 - labels and values go through text()  # nosec B308
        "".join(
            f"<p><strong>{text(label)}:</strong> {text(value)}</p>\n" for label, value in fields
        )
    )


def _manifest(report: AuditReport) -> SafeString:
    """One paragraph per entry, the SHA-256 wrapping to its second line.

    Not a table: WeasyPrint takes about three times as long for the same entries as table rows.
    """
    if not report.manifest:
        return mark_safe("<p>No evidence was cited.</p>")  # nosec B308 # a constant
    # nosemgrep: mark-safe-non-literal - every interpolated text is escaped
    return mark_safe(  # noqa: S308 - every text goes through text()  # nosec B308
        "".join(
            f"<p>{rows.entry(n)}&emsp;{text(e.title)} v{e.version} · {text(e.filename)} · "
            f"{e.size:,} bytes · {text(rows.stored(e))} "
            f'<span class="hash">{text(e.sha256)}</span></p>\n'
            for n, e in enumerate(report.manifest, start=1)
        )
    )


def render_html(report: AuditReport) -> str:
    context = {
        "report": report,
        "charts": charts(report),
        "introduction": field_rows(rows.introduction_fields(report)),
        "guidance": field_rows(rows.guidance_fields(report)),
        "summary_lines": rows.summary_lines(report),
        "grades": table_rows(rows.grade_rows(report)),
        "citation_note": rows.CITATION_NOTE,
        "findings": [
            (f, paragraphs(rows.finding_fields(report, f, separator="; "))) for f in report.findings
        ],
        "limitations": table_rows(rows.limitation_rows(report)) if report.limitations else "",
        "checklist": [table_rows(chunk) for chunk in rows.chunks(rows.checklist_rows(report))],
        "samples": [(s, table_rows(rows.record_rows(s))) for s in report.samples],
        "manifest": _manifest(report),
    }
    return render_to_string("reports/report.html", context)
