"""The report's charts as inline SVG (``annexa.core.charts``): results by clause and by Annex A
theme, findings by grade. The same SVG goes into the HTML page and, through it, the PDF."""

from __future__ import annotations

from django.utils.safestring import SafeString

from annexa.audits.choices import ChecklistResult
from annexa.core.charts import Segment, Series, donut_chart, stacked_bar_chart
from annexa.findings.choices import GRADE_COLORS
from annexa.reports.data import AuditReport, ChartGroup

RESULT_COLORS: dict[str, str] = {
    ChecklistResult.CONFORMING: "#2e8540",
    **GRADE_COLORS,
    ChecklistResult.NOT_AUDITED: "#8a94a6",
    ChecklistResult.BLANK: "#d5dae2",
}


def _results_chart(groups: list[ChartGroup], title: str, chart_id: str) -> SafeString | None:
    if not groups:
        return None
    present = [r for r in ChecklistResult if any(g.counts.get(r.value) for g in groups)]
    series = [
        Series(r.label, RESULT_COLORS[r.value], [g.counts.get(r.value, 0) for g in groups])
        for r in present
    ]
    return stacked_bar_chart(
        [g.label for g in groups],
        series,
        title=title,
        description=f"{title}: checklist items counted by result.",
        unit="items",
        width=640,
        chart_id=chart_id,
    )


def charts(report: AuditReport) -> dict[str, SafeString | None]:
    """The three charts, keyed ``by_clause``, ``by_theme`` and ``by_grade`` (None when empty)."""
    grades = report.charts.findings_by_grade
    total = sum(g.count for g in grades)
    return {
        "by_clause": _results_chart(report.charts.by_clause, "Results by clause", "by-clause"),
        "by_theme": _results_chart(report.charts.by_theme, "Results by Annex A theme", "by-theme"),
        "by_grade": donut_chart(
            [Segment(g.label, g.count, GRADE_COLORS[g.grade]) for g in grades],
            title="Findings by grade",
            description=f"{total} findings of this audit, by grade.",
            center_label=str(total),
            chart_id="by-grade",
        ),
    }
