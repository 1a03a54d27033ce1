"""The report as one self-contained HTML page: inline CSS and SVG, no external resource.

Every text users typed is escaped, so a note holding markup is shown as text, and the page (and
the PDF made from it) never refers to anything outside itself. The template draws the page's
structure; the long parts (checklist, manifest, findings, sampling records) are written here
from the row builders of ``render/rows.py`` with the print helpers of ``annexa.core.print_html``
(shared with the checklist PDF), as the template engine takes seconds for thousands of rows.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from annexa.core.print_html import (
    ManifestLine,
    assembled,
    chunks,
    field_rows,
    manifest,
    paragraphs,
    table_rows,
    text,
)
from annexa.reports.data import AuditReport
from annexa.reports.render import rows
from annexa.reports.render.charts import charts


def _manifest(report: AuditReport) -> SafeString:
    """One paragraph per entry (not a table: WeasyPrint takes about three times as long)."""
    return manifest(
        [
            ManifestLine(
                f"{e.title} v{e.version} · {e.filename} · {e.size:,} bytes · {rows.stored(e)}",
                e.sha256,
            )
            for e in report.manifest
        ],
        # On the manifest's landscape pages (report.html) an entry and its SHA-256 fit one
        # line as one text box: 5,000 entries lay out in about 60 % of the CPU of two lines
        # each with the hash in its own font.
        hash_font=False,
    )


# A finding's short fields share one paragraph: two lines fewer for each of 200 findings.
SHARED_LINE = ("Nature of the gap", "Status", "Auditees")


def _finding(report: AuditReport, f) -> SafeString:
    """A finding's fields as labelled paragraphs, the short ones (consecutive) on one line."""
    fields = rows.finding_fields(report, f, by_entry=True)
    shared = [n for n, (label, _value) in enumerate(fields) if label in SHARED_LINE]
    first, last = shared[0], shared[-1] + 1
    line = " · ".join(
        f"<strong>{text(label)}:</strong> {text(value)}" for label, value in fields[first:last]
    )
    return assembled([paragraphs(fields[:first]), f"<p>{line}</p>\n", paragraphs(fields[last:])])


def render_html(report: AuditReport) -> str:
    context = {
        "report": report,
        "charts": charts(report),
        "introduction": field_rows(rows.introduction_fields(report)),
        "guidance": field_rows(rows.guidance_fields(report)),
        "summary_lines": rows.summary_lines(report),
        "grades": table_rows(rows.grade_rows(report)),
        "citation_note": rows.ENTRY_NOTE,
        "findings": [(f, _finding(report, f)) for f in report.findings],
        "limitations": table_rows(rows.limitation_rows(report)) if report.limitations else "",
        "checklist": [table_rows(chunk) for chunk in chunks(rows.checklist_rows(report))],
        "samples": [(s, table_rows(rows.record_rows(s))) for s in report.samples],
        "manifest": _manifest(report),
    }
    return render_to_string("reports/report.html", context)
