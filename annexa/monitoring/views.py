"""Monitoring pages: the status grid, one control over time, automation coverage, a test run,
and the catalogue of control tests. Read-only: every page is a view of derived data."""

from __future__ import annotations

from collections import Counter

from django.http import Http404
from django.urls import reverse
from django.views.generic import DetailView, TemplateView

from annexa.catalog.models import Control
from annexa.core.views import OrgViewMixin
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence
from annexa.monitoring import charts, loader, services
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState, ControlStatusChange, TestResult, TestRun

HISTORY = 200


class GridView(OrgViewMixin, TemplateView):
    """The 93 controls by theme, coloured by status, with counts and recent changes."""

    template_name = "monitoring/grid.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        views = derivation.derive(self.ctx.org)
        slug = self.ctx.org.slug

        def url_for(control_id: str) -> str:
            return reverse("monitoring:control", kwargs={"org": slug, "control_id": control_id})

        counts = Counter(view.status for view in views.values())
        context["grid"] = charts.status_grid(views.values(), url_for)
        context["counts"] = [
            (label, counts.get(value, 0)) for value, label in ControlStatus.choices
        ]
        context["changes"] = ControlStatusChange.objects.for_org(self.ctx.org)[:20]
        context["no_longer_functioning"] = ControlState.objects.for_org(self.ctx.org).filter(
            no_longer_functioning=True
        )
        context["runs"] = TestRun.objects.for_org(self.ctx.org)[:10]
        return context


class ControlMonitorView(OrgViewMixin, TemplateView):
    """One control: its status, the tests that speak for it, results over time, changes."""

    template_name = "monitoring/control.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        control_id = self.kwargs["control_id"]
        control = Control.objects.filter(id=control_id).first()
        if control is None:
            raise Http404(f"no Annex A control {control_id}")
        view = derivation.derive(self.ctx.org)[control_id]
        history = [
            r
            for r in TestResult.objects.for_org(self.ctx.org)
            .filter(test_id__in=view.tests)
            .select_related("run")[: HISTORY * 2]
            if control_id in r.control_ids
        ][:HISTORY]
        context.update(
            control=control,
            view=view,
            tests=[loader.all_tests()[t] for t in view.tests],
            history=history,
            changes=ControlStatusChange.objects.for_org(self.ctx.org).filter(control=control),
            manual=Evidence.objects.for_org(self.ctx.org)
            .filter(controls=control, current_version__source=Source.UPLOAD)
            .select_related("current_version"),
        )
        return context


class CoverageView(OrgViewMixin, TemplateView):
    """Per control: tested automatically, by which tests, manual evidence, freshness."""

    template_name = "monitoring/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        views = list(derivation.derive(self.ctx.org).values())
        automated = sum(1 for v in views if v.automated_tests)
        context.update(
            views=views,
            automated=automated,
            declared=sum(1 for v in views if v.tests),
            manual=sum(1 for v in views if v.manual_fresh or v.manual_stale),
            total=len(views),
        )
        return context


class TestRunView(OrgViewMixin, DetailView):
    """One evaluation: every test's result, and the tool's findings mapped per control."""

    model = TestRun
    template_name = "monitoring/run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = list(self.object.results.all())
        context["results"] = results
        context["counts"] = services.control_counts(self.object, results)
        return context


class TestCatalogView(OrgViewMixin, TemplateView):
    """Every control test with its metadata (what it reads, when it passes, how to fix)."""

    template_name = "monitoring/tests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tests"] = [cls.metadata() for cls in loader.all_tests().values()]
        return context
