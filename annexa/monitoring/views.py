"""Monitoring pages: the status grid with the pass-rate trend, one control over time (with its
notifications, draft nonconformity and corrective actions), automation coverage, a test run,
the catalogue of control tests, and the organization's monitoring settings."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, TemplateView, View

from annexa.catalog.models import Control
from annexa.core.views import OrgViewMixin
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence
from annexa.monitoring import charts, loader, services, trends
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.forms import SettingsForm
from annexa.monitoring.models import (
    ControlState,
    ControlStatusChange,
    Notification,
    TestResult,
    TestRun,
)
from annexa.monitoring.services import notifications

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
        days = trends.DAYS_CHOICES[-1] if self.request.GET.get("days") == "90" else trends.DAYS
        context["trend_days"] = days
        context["trend"] = charts.trend_chart(trends.pass_rates(self.ctx.org, days=days))
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
        view = derivation.derive(self.ctx.org, control_ids=[control_id])[control_id]
        history = [
            r
            for r in TestResult.objects.for_org(self.ctx.org)
            .filter(test_id__in=view.tests)
            .select_related("run")[: HISTORY * 2]
            if control_id in r.control_ids
        ][:HISTORY]
        state = ControlState.objects.for_org(self.ctx.org).filter(control=control).first()
        finding = notifications.monitoring_finding(self.ctx.org, control_id)
        context.update(
            control=control,
            view=view,
            state=state,
            finding=finding,
            can_raise=finding is None
            and state is not None
            and state.status == ControlStatus.FAILING
            and self.ctx.can(notifications.RAISE),
            actions=notifications.linked_actions(self.ctx.org, control_id),
            notifications=Notification.objects.for_org(self.ctx.org)
            .filter(change__control=control)
            .select_related("change")[:50],
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
        context.update(
            views=views,
            automated=sum(1 for v in views if v.automated_tests or v.scanned_by),
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
        context["counts"] = services.run_controls(self.ctx.org, [self.object])[self.object.pk]
        return context


class TestCatalogView(OrgViewMixin, TemplateView):
    """Every control test with its metadata (what it reads, when it passes, how to fix)."""

    template_name = "monitoring/tests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tests"] = [cls.metadata() for cls in loader.all_tests().values()]
        return context


class RaiseDraftView(OrgViewMixin, View):
    """ "Raise draft nonconformity" on a failing control (POST; a second press finds the
    first draft)."""

    permission_required = notifications.RAISE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        control_id = kwargs["control_id"]
        if not Control.objects.filter(id=control_id).exists():
            raise Http404(f"no Annex A control {control_id}")
        try:
            drafted = notifications.raise_draft(self.ctx, control_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("monitoring:control", org=self.ctx.org.slug, control_id=control_id)
        finding = drafted.finding
        if drafted.created:
            messages.success(request, f"Draft nonconformity {finding.reference} raised.")
        else:
            messages.info(request, f"{finding.reference} already records this failure.")
        return redirect("findings:detail", org=self.ctx.org.slug, pk=finding.pk)


class SettingsView(OrgViewMixin, FormView):
    """Who is told when a control stops functioning, the webhook, the draft nonconformity."""

    template_name = "monitoring/settings.html"
    form_class = SettingsForm
    permission_required = notifications.MANAGE

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.current = notifications.settings_for(self.ctx.org)
        kwargs["has_secret"] = bool(self.current.webhook_secret)
        return kwargs

    def get_initial(self):
        current = notifications.settings_for(self.ctx.org)
        return {
            "notify_email": current.notify_email,
            "notify_recovery": current.notify_recovery,
            "open_draft_nonconformity": current.open_draft_nonconformity,
            "webhook_url": current.webhook_url,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            notifications.update_settings(
                self.ctx,
                webhook_url=data["webhook_url"],
                webhook_secret=data["webhook_secret"],
                clear_secret=data["clear_secret"],
                notify_email=data["notify_email"],
                notify_recovery=data["notify_recovery"],
                open_draft_nonconformity=data["open_draft_nonconformity"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, "Monitoring settings saved.")
        return redirect("monitoring:settings", org=self.ctx.org.slug)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current"] = self.current
        context["secret_mask"] = notifications.masked(self.current)
        context["can_manage"] = self.ctx.can(notifications.MANAGE)
        return context
