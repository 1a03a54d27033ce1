"""The organization's landing page: readiness for the next external audit."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from annexa.core.views import OrgViewMixin
from annexa.dashboard import charts, services
from annexa.findings.choices import FindingGrade
from annexa.isms.services import ensure_soa

OVERDUE_SHOWN = 20  # the rest are one click away, on the filtered actions list


class ReadinessView(OrgViewMixin, TemplateView):
    template_name = "dashboard/readiness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ensure_soa(self.ctx.org)  # like the SoA pages: every control has its entry
        readiness = services.readiness(self.ctx.org)
        context.update(
            r=readiness,
            charts=charts.all_charts(readiness),
            overdue=readiness.actions.overdue[:OVERDUE_SHOWN],
            overdue_more=max(len(readiness.actions.overdue) - OVERDUE_SHOWN, 0),
            grades=[
                (grade, label, readiness.findings.by_grade[grade])
                for grade, label in FindingGrade.choices
            ],
            burndown_any=any(point.total for point in readiness.burndown),
            expiry_days=services.EXPIRY_WARNING_DAYS,
            links={
                "risks": _url("risks:list", self.ctx.org),
                "suppliers": _url("suppliers:list", self.ctx.org),
                "documents": _url("documents:list", self.ctx.org),
            },
        )
        return context


def _url(name: str, org) -> str:
    """The page ``name`` of ``org``, blank while that page does not exist in this build."""
    try:
        return reverse(name, kwargs={"org": org.slug})
    except NoReverseMatch:
        return ""
