"""The organization's overview: SoA status by theme as a chart, and the key numbers."""

from __future__ import annotations

from django.views.generic import TemplateView

from annexa.catalog.choices import Theme
from annexa.core.charts import Segment, Series, donut_chart, stacked_bar_chart
from annexa.core.views import OrgViewMixin
from annexa.isms import stats
from annexa.isms.models import ScopeStatement
from annexa.isms.services import ensure_soa


def theme_chart(by_theme: dict) -> str:
    """Stacked bars: one per theme, one layer per status bucket."""
    labels = dict(Theme.choices)
    themes = list(by_theme)
    series = [
        Series(label, color, [by_theme[t][key] for t in themes])
        for key, label, color in stats.STATUS_SERIES
    ]
    return stacked_bar_chart(
        [labels.get(t, t) for t in themes],
        series,
        title="Statement of Applicability status by theme",
        description="For each Annex A theme, how many controls are implemented, partially "
        "implemented, planned, not started or not applicable.",
        unit="controls",
    )


def status_donut(by_theme: dict, numbers: stats.KeyNumbers) -> str:
    totals = {key: sum(c[key] for c in by_theme.values()) for key, _, _ in stats.STATUS_SERIES}
    return donut_chart(
        [Segment(label, totals[key], color) for key, label, color in stats.STATUS_SERIES],
        title="All controls by status",
        center_label=f"{numbers.percent_implemented}%",
        description=f"{numbers.percent_implemented}% of applicable controls are implemented.",
    )


class DashboardView(OrgViewMixin, TemplateView):
    template_name = "isms/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.ctx.org
        ensure_soa(org)
        by_theme = stats.status_by_theme(org)
        numbers = stats.key_numbers(org)
        context.update(
            numbers=numbers,
            theme_chart=theme_chart(by_theme),
            status_donut=status_donut(by_theme, numbers),
            scope=ScopeStatement.current(org),
            counts=stats.context_counts(org),
        )
        return context
