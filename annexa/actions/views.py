"""Corrective-action pages: the list (overdue highlighted), detail with the 5-whys editor,
status steps, the effectiveness review, editing and exports. Thin: parse, call ``services``,
render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from annexa.actions import exports, services
from annexa.actions.choices import ActionStatus
from annexa.actions.filters import filter_actions
from annexa.actions.forms import ActionForm, CloseForm, ImplementForm, ReviewForm, attach_errors
from annexa.actions.models import CorrectiveAction
from annexa.actions.services import MANAGE, REVIEW
from annexa.core.views import LifecycleStepMixin, OrgViewMixin
from annexa.findings import history


class ActionListView(OrgViewMixin, ListView):
    """Every corrective action of the organization; overdue ones stand out."""

    model = CorrectiveAction
    template_name = "actions/list.html"
    paginate_by = 50

    def get_queryset(self):
        queryset = (
            super().get_queryset().select_related("owner", "finding").order_by("due_date", "number")
        )
        queryset, self.filter_form = filter_actions(queryset, self.request.GET)
        return queryset

    def get_template_names(self) -> list[str]:
        return ["actions/_rows.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            query=params.urlencode(),
            can_manage=self.ctx.can(MANAGE),
            summary=services.summary(self.ctx.org),
        )
        return context


class ActionDetailView(OrgViewMixin, DetailView):
    """One action: source, correction, root cause, plan and its revisions, review, history."""

    model = CorrectiveAction
    template_name = "actions/detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("finding", "owner", "control", "requirement", "closed_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action, ctx = self.object, self.ctx
        is_owner = ctx.user is not None and action.owner_id == ctx.user.pk
        automated = services.automated_results(action)
        context.update(
            automated=automated,
            revisions=action.revisions.select_related("recorded_by").order_by("-number"),
            reviews=action.reviews.select_related("reviewer").prefetch_related("evidence"),
            history=history.rows(ctx.org, services.OBJECT_TYPE, action.uid),
            is_owner=is_owner,
            overdue=action.is_overdue(),
            can_manage=ctx.can(MANAGE),
            can_review=ctx.can(REVIEW) and not is_owner,
            whys=kwargs.get("whys", action.five_whys),
            root_cause=kwargs.get("root_cause", action.root_cause),
            whys_editable=ctx.can(MANAGE)
            and action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
        )
        context.setdefault("implement_form", ImplementForm())
        context.setdefault(
            "review_form",
            ReviewForm(
                org=ctx.org,
                automated_results=bool(automated.results),
                initial={"reviewed_on": timezone.localdate()},
            ),
        )
        context.setdefault("close_form", CloseForm())
        return context


class StepView(LifecycleStepMixin, ActionDetailView):
    """POST one step (start, implement, review, close); errors show on the detail page."""

    permission_required = MANAGE
    detail_url_name = "actions:detail"


class StartView(StepView):
    done = "started"

    def change(self, form) -> None:
        services.start_action(self.ctx, self.object)


class ImplementView(StepView):
    form_class, form_name, done = ImplementForm, "implement_form", "marked implemented"

    def change(self, form) -> None:
        services.implement_action(self.ctx, self.object, form.cleaned_data["note"])


class ReviewView(StepView):
    permission_required = REVIEW
    form_class, form_name, done = ReviewForm, "review_form", "effectiveness review recorded"

    def make_form(self, data):
        automated = services.automated_results(self.object)
        return ReviewForm(data, org=self.ctx.org, automated_results=bool(automated.results))

    def change(self, form) -> None:
        services.record_review(self.ctx, self.object, **form.cleaned_data)


class CloseView(StepView):
    permission_required = REVIEW
    form_class, form_name, done = CloseForm, "close_form", "closed"

    def change(self, form) -> None:
        services.close_action(self.ctx, self.object, form.cleaned_data["note"])


class RootCauseView(OrgViewMixin, View):
    """The root-cause editor: add or remove 5-whys rows (htmx swaps the editor), or save."""

    model = CorrectiveAction
    permission_required = MANAGE
    template_name = "actions/_root_cause.html"

    def get(self, request, *args, **kwargs):
        action = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not request.htmx:
            return redirect("actions:detail", org=self.ctx.org.slug, pk=action.pk)
        return self.editor(action, action.root_cause, action.five_whys)

    def post(self, request, *args, **kwargs):
        action = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        root_cause = request.POST.get("root_cause", "")
        whys = [
            {"why": why, "because": because}
            for why, because in zip(
                request.POST.getlist("why"), request.POST.getlist("because"), strict=False
            )
        ]
        op = request.POST.get("op", "save")
        if op == "add":
            return self.editor(action, root_cause, [*whys, {"why": "", "because": ""}])
        if op.startswith("remove-") and op[7:].isdigit():
            index = int(op[7:])
            return self.editor(action, root_cause, [w for i, w in enumerate(whys) if i != index])
        try:
            action = services.set_root_cause(self.ctx, action, root_cause, whys)
        except ValidationError as exc:
            return self.editor(action, root_cause, whys, errors=exc.messages, status=400)
        if not request.htmx:
            messages.success(request, f"{action.reference}: root-cause analysis saved.")
            return redirect("actions:detail", org=self.ctx.org.slug, pk=action.pk)
        return self.editor(action, action.root_cause, action.five_whys, saved=True)

    def editor(self, action, root_cause, whys, *, errors=(), saved=False, status=200):
        context = {
            "object": action,
            "org": self.ctx.org,
            "root_cause": root_cause,
            "whys": whys,
            "whys_editable": True,
            "errors": errors,
            "saved": saved,
        }
        if self.request.htmx:
            return render(self.request, self.template_name, context, status=status)
        detail = ActionDetailView()
        detail.setup(self.request, **self.kwargs)
        detail.ctx, detail.object = self.ctx, action
        context = detail.get_context_data(root_cause=root_cause, whys=whys)
        context.update(errors=errors)
        return detail.render_to_response(context, status=status)


class _ActionFormView(OrgViewMixin, FormView):
    form_class = ActionForm
    template_name = "actions/form.html"
    permission_required = MANAGE
    creating = True

    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)  # the form is not shown to members who may not save it
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "org": self.ctx.org, "creating": self.creating}

    def form_valid(self, form):
        try:
            action = self.save(form)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{action.reference} saved.")
        return redirect("actions:detail", org=self.ctx.org.slug, pk=action.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ActionCreateView(_ActionFormView):
    """A new action; ``?finding=<pk>`` starts from a nonconformity."""

    def get_initial(self) -> dict:
        initial = {"due_date": timezone.localdate() + dt.timedelta(days=30)}
        if self.request.GET.get("finding", "").isdigit():
            initial["finding"] = int(self.request.GET["finding"])
        return initial

    def save(self, form) -> CorrectiveAction:
        return services.create_action(self.ctx, **form.create_values())


class ActionEditView(_ActionFormView):
    model = CorrectiveAction
    creating = False

    def get_object(self) -> CorrectiveAction:
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._object

    def get_initial(self) -> dict:
        action = self.get_object()
        fields = ("title", "source_reference", "correction", "plan", "owner", "due_date")
        initial = {name: getattr(action, name) for name in fields}
        initial["control"], initial["requirement"] = action.control_id, action.requirement_id
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self.get_object()}

    def save(self, form) -> CorrectiveAction:
        values, reason = form.update_values()
        return services.update_action(self.ctx, self.get_object(), values, reason)


class ExportView(OrgViewMixin, View):
    """The organization's corrective actions as OSCAL POA&M JSON or as an XLSX workbook."""

    fmt = "poam"

    def get(self, request, *args, **kwargs) -> HttpResponse:
        try:
            body, media_type, filename = exports.export(self.ctx.org, self.fmt)
        except exports.ExportError as exc:
            messages.error(request, str(exc))
            return redirect("actions:list", org=self.ctx.org.slug)
        response = HttpResponse(body, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
