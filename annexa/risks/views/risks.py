"""The risk register: the list (filters, sorting), a risk's page — its assessment, treatment
and the SoA's view of the controls chosen, its treatment actions, the acceptance of its residual
risk, closing it, its history — the forms that create and edit risks, and the heat maps.

Thin: each change is one call to ``annexa.risks.services``; a refusal (invalid input, a stale
version, a permission) is shown in the form that asked, swapped in place with htmx.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from annexa.core.charts import Line, line_chart
from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.risks.choices import RiskStatus
from annexa.risks.filters import filter_risks
from annexa.risks.forms import (
    AcceptForm,
    ActionForm,
    ActionStatusForm,
    CloseForm,
    InherentForm,
    ResidualForm,
    RiskForm,
    TreatmentForm,
    soa_state,
)
from annexa.risks.models import Risk, TreatmentAction
from annexa.risks.services import methodology as methodologies
from annexa.risks.services import progress, reporting, risks, soa
from annexa.risks.services.common import ASSESS, MANAGE
from annexa.risks.views.common import FilteredListMixin, ServiceFormView, history, is_htmx

SOA_CHANGE = "isms.change"
SORTS = {
    "ref": "number",
    "title": "title",
    "owner": "owner__email",
    "inherent": "inherent_score",
    "residual": "residual_score",
    "status": "status",
    "review": "review_date",
}


def risk_url(risk: Risk) -> str:
    return reverse("risks:detail", kwargs={"org": risk.organization.slug, "pk": risk.pk})


# --- the register ---------------------------------------------------------------------------


class RegisterView(FilteredListMixin, OrgViewMixin, ListView):
    """Every risk, filtered and sorted; with htmx (the filter form) only the table."""

    model = Risk
    template_name = "risks/register.html"
    rows_template = "risks/_rows.html"
    paginate_by = 50
    sorts = SORTS
    narrow = staticmethod(filter_risks)

    def get_queryset(self):
        return self.filtered(super().get_queryset().select_related("owner"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.ctx.org
        form = self.filter_form
        cell = None
        if form.is_valid() and (form.cleaned_data["likelihood"] or form.cleaned_data["impact"]):
            cell = {name: form.cleaned_data[name] for name in ("basis", "likelihood", "impact")}
        context.update(
            self.list_context(),
            m=methodologies.current(org),
            cell=cell,
            summary={
                "open": Risk.objects.for_org(org).exclude(status=RiskStatus.CLOSED).count(),
                "above": len(reporting.above_threshold(org)),
                "overdue": len(reporting.overdue_reviews(org)),
                "actions_overdue": len(reporting.overdue_actions(org)),
            },
            today=timezone.localdate(),
        )
        return context


class HeatMapView(OrgViewMixin, TemplateView):
    """The open risks on the methodology's matrix, inherent and residual side by side; each
    cell leads to the register filtered to it. Below them, the treatment progress of the last
    26 weeks (``services.progress``) as a chart and as a table of its figures."""

    template_name = "risks/heatmap.html"
    model = Risk

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.ctx.org
        register = reverse("risks:list", kwargs={"org": org.slug})
        maps = []
        for which, title in (
            ("inherent", "Inherent risk (before treatment)"),
            ("residual", "Residual risk (after treatment)"),
        ):
            heat = reporting.heat_map(org, which)
            m = heat.methodology
            rows = []
            for level in reversed(m.likelihood):
                cells = heat.cells[level["value"] - 1]
                for cell in cells:
                    cell["impact_label"] = m.impact[cell["impact"] - 1]["label"]
                    cell["url"] = (
                        f"{register}?status=open&basis={which}"
                        f"&likelihood={cell['likelihood']}&impact={cell['impact']}"
                    )
                rows.append({"level": level, "cells": cells})
            maps.append({"which": which, "title": title, "heat": heat, "rows": rows})
        points = progress.progress(org)
        context.update(
            maps=maps,
            m=maps[0]["heat"].methodology,
            progress=points,
            progress_now=points[-1],
            progress_chart=self.progress_chart(points),
        )
        return context

    # Each at least 3:1 against the page's white (WCAG 1.4.11); the table says it in words.
    PROGRESS_LINES = (
        ("Not yet treated (identified or assessed)", "#c0392b", "not_treated"),
        ("Treatment planned", "#b26a00", "planned"),
        ("Treated", "#2e8540", "treated"),
        ("Overdue treatment actions", "#5b2c83", "overdue_actions"),
    )

    @classmethod
    def progress_chart(cls, points: list[progress.ProgressPoint]):
        first, last = points[0], points[-1]

        def said(p: progress.ProgressPoint) -> str:
            return (
                f"{p.not_treated} not yet treated, {p.planned} with treatment planned, "
                f"{p.treated} treated, {p.overdue_actions} treatment actions overdue"
            )

        return line_chart(
            [p.date.strftime("%d %b") for p in points],
            [
                Line(label, colour, [getattr(p, name) for p in points])
                for label, colour, name in cls.PROGRESS_LINES
            ],
            title="Treatment progress, week by week",
            description=f"Open risks at the end of each of the last {len(points)} weeks by where "
            f"their treatment stood, and the treatment actions overdue: on "
            f"{first.date:%Y-%m-%d} {said(first)}; on {last.date:%Y-%m-%d} {said(last)}.",
            chart_id="risk-progress",
        )


# --- one risk --------------------------------------------------------------------------------


def control_rows(ctx, risk: Risk) -> list[dict]:
    """The controls ``risk``'s treatment chose, each with what the SoA says of it and, where
    the SoA disagrees or has not decided, the proposal or the conflict (``services.soa``)."""
    from annexa.isms.models import SoAEntry

    chosen = list(risk.controls.order_by("sort_key"))
    if not chosen:
        return []
    entries = {
        e.control_id: e
        for e in SoAEntry.objects.for_org(ctx.org).filter(control_id__in=[c.id for c in chosen])
    }
    proposals, conflicts = soa.proposals_and_conflicts(ctx.org)
    proposed = {p.control_id: p for p in proposals}
    conflicting = {c.control_id for c in conflicts}
    rows = []
    for control in chosen:
        state, label = soa_state(entries.get(control.id))
        row = {"control": control, "state": state, "label": label, "message": "", "kind": ""}
        if control.id in proposed:
            others = [r.reference for r in proposed[control.id].risks if r.pk != risk.pk]
            also = f" (and {', '.join(others)})" if others else ""
            row.update(
                kind="proposal",
                message=f"{control.id} is not yet decided in the SoA: proposed as applicable, "
                f"justified by this risk{also}.",
            )
        elif control.id in conflicting:
            row.update(
                kind="conflict",
                message=f"{control.id} is excluded in the SoA although this risk's treatment "
                "chose it.",
            )
        elif state == "undecided":
            row["message"] = f"{control.id} is not yet decided in the SoA."
        rows.append(row)
    return rows


def risk_context(ctx, risk: Risk, bound: dict | None = None, **extra) -> dict:
    """Everything the risk page draws; ``bound`` holds the form that was just refused (by its
    name), shown with its errors in place of a fresh one."""
    bound = bound or {}
    m = methodologies.current(ctx.org)
    editable = risks.can_edit(ctx, risk) and risk.status != RiskStatus.CLOSED
    actions = list(risk.actions.select_related("owner", "control").order_by("due_date", "number"))
    today = timezone.localdate()
    context = {
        "org": ctx.org,
        "ctx": ctx,
        "risk": risk,
        "m": m,
        "can_edit": editable,
        "can_manage": ctx.can(MANAGE) and risk.status != RiskStatus.CLOSED,
        "can_soa": ctx.can(SOA_CHANGE),
        "overdue": risk.is_review_overdue(today),
        "above_threshold": m.above_threshold(risk.residual_score),
        "inherent_above": m.above_threshold(risk.inherent_score),
        "controls": control_rows(ctx, risk),
        "problem": None,
        "soa_form": bound.get("soa"),
        "history": list(
            reversed(
                history(
                    ctx.org,
                    (risks.OBJECT_TYPE, [risk.uid]),
                    (risks.ACTION_OBJECT_TYPE, [a.uid for a in actions]),
                )
            )
        ),
        **extra,
    }
    if risk.status != RiskStatus.CLOSED and not risk.is_accepted:
        context["problem"] = risks.acceptance_problem(ctx, risk)
        if context["problem"] is None:
            context["accept_form"] = bound.get("accept") or AcceptForm(
                risk=risk, above=context["above_threshold"]
            )
    if editable:
        for name, form_class in (
            ("inherent", InherentForm),
            ("treatment", TreatmentForm),
            ("residual", ResidualForm),
        ):
            context[f"{name}_form"] = bound.get(name) or form_class(risk=risk, methodology=m)
        context["action_form"] = bound.get("action") or ActionForm(
            risk=risk, initial={"owner": risk.owner_id, "due_date": today + dt.timedelta(30)}
        )
    if context["can_manage"]:
        context["close_form"] = bound.get("close") or CloseForm(risk=risk)
    rows = []
    for action in actions:
        may_update = editable or (ctx.user is not None and action.owner_id == ctx.user.pk)
        form = bound.get(f"action-{action.pk}") or ActionStatusForm(action=action)
        rows.append(
            {
                "a": action,
                "overdue": action.is_overdue(today),
                "form": form if may_update and risk.status != RiskStatus.CLOSED else None,
            }
        )
    context["actions"] = rows
    context["unplaced"] = unplaced_errors(context, bound)
    return context


def unplaced_errors(context: dict, bound: dict) -> list[str]:
    """The errors of a refused form the page does not draw (the person may no longer use it,
    or it has no fields of its own): shown at the top of the risk instead."""
    drawn = {"soa"}
    drawn.update(
        name for name in ("inherent", "treatment", "residual") if f"{name}_form" in context
    )
    drawn.update(name for name in ("accept", "close", "action") if f"{name}_form" in context)
    drawn.update(f"action-{row['a'].pk}" for row in context["actions"] if row["form"])
    messages = []
    for name, form in bound.items():
        if name not in drawn:
            messages.extend(e for errors in form.errors.values() for e in errors)
    return messages


def _risk(view) -> Risk:
    queryset = view.get_queryset().select_related("owner", "methodology", "accepted_by")
    return get_object_or_404(queryset, pk=view.kwargs["pk"])


class RiskDetailView(OrgViewMixin, TemplateView):
    template_name = "risks/detail.html"
    model = Risk

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(risk_context(self.ctx, _risk(self)))
        return context


def render_risk(request, ctx, risk: Risk, *, status: int = 200, **context) -> HttpResponse:
    """The risk's page (its changing part alone for htmx)."""
    template = "risks/_risk.html" if is_htmx(request) else "risks/detail.html"
    return render(request, template, risk_context(ctx, risk, **context), status=status)


class RiskStepView(OrgViewMixin, View):
    """POST one change to a risk from its page: validate ``form_class``, call ``change`` (one
    service call), answer with the refreshed risk (htmx) or a redirect. A refusal re-draws the
    risk with the form and the reason: 422 invalid, 409 stale, 403 not allowed."""

    model = Risk
    permission_required = ASSESS
    http_method_names = ["post"]
    name = ""  # which of the page's forms
    done = ""

    def make_form(self, risk: Risk, data):
        raise NotImplementedError

    def change(self, risk: Risk, form) -> Risk:
        raise NotImplementedError

    def target(self, risk: Risk):
        return risk

    def post(self, request, *args, **kwargs):
        risk = self.get_risk()
        form = self.make_form(risk, request.POST)
        if not form.is_valid():
            return self.refused(risk, form, 422)
        try:
            risk = self.change(risk, form)
        except risks.StaleRiskError as exc:
            form.add_error(None, str(exc))
            return self.refused(exc.risk, form, 409, stale=True)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.refused(risk, form, 422)
        except PermissionDenied as exc:
            form.add_error(None, f"Not allowed: {exc}.")
            return self.refused(risk, form, 403)
        risk = get_object_or_404(
            Risk.objects.for_org(self.ctx.org).select_related("owner", "methodology"), pk=risk.pk
        )
        message = f"{risk.reference}: {self.done}."
        if not is_htmx(request):
            messages.success(request, message)
            return redirect(risk_url(risk))
        return render_risk(request, self.ctx, risk, saved={"form": self.name, "message": message})

    def get_risk(self) -> Risk:
        return _risk(self)

    def refused(self, risk: Risk, form, status: int, stale: bool = False) -> HttpResponse:
        return render_risk(
            self.request,
            self.ctx,
            risk,
            status=status,
            bound={self.name: form},
            refused=self.name,
            stale=stale,
        )


class _PartView(RiskStepView):
    form_class = None

    def make_form(self, risk, data):
        return self.form_class(data, risk=risk, methodology=methodologies.current(self.ctx.org))

    def change(self, risk, form):
        return risks.update_risk(
            self.ctx,
            risk,
            form.changes(),
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )


class InherentView(_PartView):
    form_class, name, done = InherentForm, "inherent", "inherent risk saved"


class TreatmentView(_PartView):
    form_class, name, done = TreatmentForm, "treatment", "treatment saved"


class ResidualView(_PartView):
    form_class, name, done = ResidualForm, "residual", "residual risk saved"


def _check_version(risk: Risk, form) -> None:
    expected = form.cleaned_data["version"]
    if risk.version != expected:
        raise risks.StaleRiskError(risk, expected)


class AcceptView(RiskStepView):
    name, done = "accept", "residual risk accepted"

    def make_form(self, risk, data):
        m = methodologies.current(self.ctx.org)
        return AcceptForm(data, risk=risk, above=m.above_threshold(risk.residual_score))

    def change(self, risk, form):
        _check_version(risk, form)
        return risks.accept_residual(self.ctx, risk, form.cleaned_data["reason"])


class CloseView(RiskStepView):
    name, done = "close", "closed"
    permission_required = MANAGE

    def make_form(self, risk, data):
        return CloseForm(data, risk=risk)

    def change(self, risk, form):
        _check_version(risk, form)
        return risks.close_risk(self.ctx, risk, form.cleaned_data["reason"])


class AddActionView(RiskStepView):
    name, done = "action", "treatment action added"

    def make_form(self, risk, data):
        return ActionForm(data, risk=risk)

    def change(self, risk, form):
        action = risks.add_action(self.ctx, risk, form.values())
        self.done = f"{action.reference} added to the treatment plan"
        return risk


class ActionStatusView(RiskStepView):
    """The status of one treatment action (its owner, the risk's owner or a manager)."""

    model = TreatmentAction
    done = "treatment action updated"

    def get_risk(self) -> Risk:
        queryset = TreatmentAction.objects.for_org(self.ctx.org).select_related("risk")
        self.action = get_object_or_404(queryset, pk=self.kwargs["pk"])
        self.name = f"action-{self.action.pk}"
        return get_object_or_404(
            Risk.objects.for_org(self.ctx.org).select_related("owner", "methodology"),
            pk=self.action.risk_id,
        )

    def make_form(self, risk, data):
        return ActionStatusForm(data, action=self.action)

    def change(self, risk, form):
        action = risks.update_action(self.ctx, self.action, {"status": form.cleaned_data["status"]})
        self.done = f"{action.reference} is now {action.get_status_display().lower()}"
        return risk


class SoAProposalView(RiskStepView):
    """Accept the SoA proposal for a control this risk's treatment chose: the control becomes
    applicable in the SoA, justified by the risks that chose it (``services.soa``)."""

    name, done = "soa", "the SoA now marks the control applicable"
    permission_required = SOA_CHANGE

    def make_form(self, risk, data):
        from django import forms

        class ProposalForm(forms.Form):
            control = forms.CharField(max_length=20)

        return ProposalForm(data)

    def change(self, risk, form):
        control = form.cleaned_data["control"].strip()
        soa.accept_proposal(self.ctx, control)
        self.done = f"{control} is now applicable in the SoA, justified by the risk treatment"
        return risk


# --- creating and editing ----------------------------------------------------------------------


class _RiskFormView(ServiceFormView):
    form_class = RiskForm
    template_name = "risks/form.html"
    model = Risk
    permission_required = MANAGE
    object_name = "risk"
    detail_url_name = "risks:detail"
    stale_errors = (risks.StaleRiskError,)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "methodology": methodologies.current(self.ctx.org)}


class RiskCreateView(_RiskFormView):
    def get(self, request, *args, **kwargs):
        self.ctx.require(MANAGE)  # the form is not shown to members who may not save it
        return super().get(request, *args, **kwargs)

    def save(self, form) -> Risk:
        return risks.create_risk(self.ctx, form.values())


class RiskEditView(_RiskFormView):
    """The owner of the risk or a manager edits its description."""

    permission_required = ASSESS

    def get_object(self) -> Risk:
        if not hasattr(self, "_object"):
            self._object = _risk(self)
            if not risks.can_edit(self.ctx, self._object):
                raise PermissionDenied(
                    f"only the owner of {self._object.reference} or an ISMS manager may change it"
                )
        return self._object

    def save(self, form) -> Risk:
        return risks.update_risk(
            self.ctx,
            self.get_object(),
            form.values(),
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
