"""The report as one self-contained HTML page: inline CSS and SVG, no external resource.

Django's template engine escapes every text users typed, so a note holding markup is shown as
text, and the page (and the PDF made from it) never refers to anything outside itself.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from annexa.reports.data import AuditReport
from annexa.reports.render.charts import charts


def render_html(report: AuditReport) -> str:
    return render_to_string("reports/report.html", {"report": report, "charts": charts(report)})
