"""Information security objectives: the list with each objective's latest measurement and
trend, edited inline (new, edit, record a measurement, withdraw) with htmx."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from annexa.core.charts import Line, line_chart
from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.isms import services
from annexa.isms.choices import ObjectiveStatus
from annexa.isms.forms import MeasurementForm, ObjectiveForm, WithdrawForm
from annexa.isms.models import Objective
from annexa.isms.progress import Progress, progress_of
from annexa.isms.views.common import is_htmx, require_change

COLUMNS = 8  # of the objectives table, for the form rows
BADGES = {
    ObjectiveStatus.PLANNED: "",
    ObjectiveStatus.ON_TRACK: "new",
    ObjectiveStatus.AT_RISK: "warn",
    ObjectiveStatus.ACHIEVED: "ok",
    ObjectiveStatus.NOT_ACHIEVED: "bad",
    ObjectiveStatus.WITHDRAWN: "",
}


def page_url(org, objective: Objective | None = None) -> str:
    url = reverse("isms:objectives", kwargs={"org": org.slug})
    return f"{url}#objective-{objective.pk}" if objective is not None else url


def _plain(value) -> int | float:
    """Chart values as people write them: 4 rather than 4.0."""
    number = float(value)
    return int(number) if number.is_integer() else number


def sparkline(progress: Progress) -> str:
    """A small line of the numeric measurements against the target; empty below two values
    (no trend to draw) or with negative values (the chart draws from zero)."""
    numeric = progress.numeric
    objective = progress.objective
    values = [_plain(m.value) for m in numeric]
    if len(values) < 2 or min(values) < 0:
        return ""
    lines = [Line("Measured", "#2f6fde", values)]
    target = objective.target_value
    if target is not None and target >= 0:
        lines.append(Line("Target", "#8a94a6", [_plain(target)] * len(values)))
    first, last = numeric[0], numeric[-1]
    return line_chart(
        [f"{m.measured_on:%Y-%m-%d}" for m in numeric],
        lines,
        title=f"{objective.reference}: measurements",
        description=f"{len(values)} measurements from {progress.value_text(first)} on "
        f"{first.measured_on:%Y-%m-%d} to {progress.value_text(last)} on "
        f"{last.measured_on:%Y-%m-%d}"
        + (f"; target {progress.target_text}." if progress.target_text else "."),
        unit=objective.unit,
        width=240,
        plot_height=48,
        label_every=len(values),
        chart_id=f"objective-{objective.pk}-trend",
    )


def row_context(progress: Progress, can_edit: bool) -> dict:
    objective = progress.objective
    return {
        "o": objective,
        "p": progress,
        "badge": BADGES.get(objective.status, ""),
        "overdue": objective.is_overdue(),
        "chart": sparkline(progress),
        "can_edit": can_edit and objective.status != ObjectiveStatus.WITHDRAWN,
    }


class ObjectivesView(OrgViewMixin, TemplateView):
    template_name = "isms/objectives/page.html"
    model = Objective

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        objectives = self.get_queryset().select_related("owner", "control")
        can_edit = self.ctx.can("isms.change")
        rows = [row_context(p, can_edit) for p in progress_of(objectives).values()]
        statuses = Counter(row["o"].status for row in rows)
        context.update(
            rows=rows,
            can_edit=can_edit,
            counts=[(label, statuses[value]) for value, label in ObjectiveStatus.choices],
            overdue=sum(1 for row in rows if row["overdue"]),
            columns=COLUMNS,
        )
        return context


class ObjectiveMixin(OrgViewMixin):
    model = Objective
    # Declared on every view, read-only ones included: a POST there is a 405, not a 403.
    permission_required = "isms.change"
    url_name = "objective-edit"  # where the form posts
    submit = "Save"

    def get_object(self) -> Objective:
        queryset = self.get_queryset().select_related("owner", "control", "updated_by")
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def render_row(self, objective: Objective, status: int = 200) -> HttpResponse:
        progress = progress_of([objective])[objective.pk]
        context = {"org": self.ctx.org, **row_context(progress, self.ctx.can("isms.change"))}
        return render(self.request, "isms/objectives/_row.html", context, status=status)

    def render_form(
        self, form, objective: Objective | None, *, status: int = 200, stale: str = ""
    ) -> HttpResponse:
        org = self.ctx.org
        context = {
            "form": form,
            "obj": objective,
            "org": org,
            "ctx": self.ctx,
            "stale": stale,
            "heading": self.heading(objective),
            "submit": self.submit,
            "action": self.action_url(objective),
            "row_url": (
                reverse("isms:objective-row", kwargs={"org": org.slug, "pk": objective.pk})
                if objective is not None
                else ""
            ),
            "cancel_url": page_url(org, objective),
            "columns": COLUMNS,
        }
        template = (
            "isms/objectives/_form_row.html"
            if is_htmx(self.request)
            else "isms/objectives/form_page.html"
        )
        return render(self.request, template, context, status=status)

    def heading(self, objective: Objective | None) -> str:
        return f"Edit {objective}" if objective is not None else "New objective"

    def action_url(self, objective: Objective | None) -> str:
        return reverse(
            f"isms:{self.url_name}", kwargs={"org": self.ctx.org.slug, "pk": objective.pk}
        )

    def save(self, form, objective: Objective | None, change, done: str) -> HttpResponse:
        """Validate ``form``, then ``change(cleaned_data)`` (one service call) and answer with
        the row (htmx) or a redirect; ``done`` is the message, ``{}`` the reference."""
        if not form.is_valid():
            return self.render_form(form, objective, status=422)
        try:
            saved = change(form.cleaned_data)
        except services.StaleObjectiveError as exc:
            return self.render_form(form, exc.objective, status=409, stale=str(exc))
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, objective, status=422)
        if is_htmx(self.request):
            return self.render_row(saved)
        messages.success(self.request, done.format(saved.reference))
        return redirect(page_url(self.ctx.org, saved))


class ObjectiveRowView(ObjectiveMixin, View):
    """One row, read-only (what "Cancel" swaps back in)."""

    def get(self, request, **kwargs):
        objective = self.get_object()
        if not is_htmx(request):
            return redirect(page_url(self.ctx.org, objective))
        return self.render_row(objective)


class ObjectiveNewView(ObjectiveMixin, View):
    def get(self, request, **kwargs):
        require_change(self)
        return self.render_form(ObjectiveForm(org=self.ctx.org), None)

    def post(self, request, **kwargs):
        form = ObjectiveForm(request.POST, org=self.ctx.org)
        return self.save(
            form,
            None,
            lambda data: services.create_objective(self.ctx, form.changes()),
            "{} created.",
        )

    def action_url(self, objective: Objective | None) -> str:
        return reverse("isms:objective-new", kwargs={"org": self.ctx.org.slug})


class ObjectiveEditView(ObjectiveMixin, View):
    def get(self, request, **kwargs):
        require_change(self)
        objective = self.get_object()
        return self.render_form(ObjectiveForm(instance=objective, org=self.ctx.org), objective)

    def post(self, request, **kwargs):
        objective = self.get_object()
        # The form writes the posted values into its instance; keep ``objective`` as stored.
        form = ObjectiveForm(request.POST, instance=self.get_object(), org=self.ctx.org)

        def change(data) -> Objective:
            return services.update_objective(
                self.ctx, objective, form.changes(), expected_version=data["version"]
            )

        return self.save(form, objective, change, "{} saved.")


class ObjectiveMeasureView(ObjectiveMixin, View):
    """Record a measurement of one objective."""

    url_name = "objective-measure"
    submit = "Record"

    def heading(self, objective: Objective | None) -> str:
        return f"Record a measurement of {objective}"

    def get(self, request, **kwargs):
        require_change(self)
        objective = self.get_object()
        return self.render_form(MeasurementForm(objective=objective), objective)

    def post(self, request, **kwargs):
        objective = self.get_object()
        form = MeasurementForm(request.POST, objective=objective)

        def change(data) -> Objective:
            services.record_measurement(self.ctx, objective, **data)
            return objective

        return self.save(form, objective, change, "Measurement of {} recorded.")


class ObjectiveWithdrawView(ObjectiveMixin, View):
    """Withdraw an objective, with the reason."""

    url_name = "objective-withdraw"
    submit = "Withdraw"

    def heading(self, objective: Objective | None) -> str:
        return f"Withdraw {objective}"

    def get(self, request, **kwargs):
        require_change(self)
        objective = self.get_object()
        return self.render_form(WithdrawForm(initial={"version": objective.version}), objective)

    def post(self, request, **kwargs):
        objective = self.get_object()
        form = WithdrawForm(request.POST)

        def change(data) -> Objective:
            return services.withdraw_objective(
                self.ctx, objective, reason=data["reason"], expected_version=data["version"]
            )

        return self.save(form, objective, change, "{} withdrawn.")
