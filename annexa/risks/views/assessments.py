"""Risk assessment runs (8.2): the list with what each run changed, and recording a new run
(managers): its date, title, trigger, participants and notes; the changes come from the ledger."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from annexa.core.forms import attach_errors
from annexa.core.views import OrgViewMixin
from annexa.isms.forms import members_of
from annexa.risks.models import Risk, RiskAssessment
from annexa.risks.services import assessments
from annexa.risks.services.common import MANAGE


class AssessmentForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(max_length=200)
    trigger = forms.CharField(
        max_length=200, required=False, help_text="Periodic, or the event that called for it."
    )
    participants = forms.ModelMultipleChoiceField(queryset=None, label="Who took part")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = members_of(org)
        self.fields["participants"].label_from_instance = lambda u: u.full_name or u.email
        self.fields["held_on"].initial = timezone.localdate()


class AssessmentsView(OrgViewMixin, TemplateView):
    """The runs, newest first, each with the risks it identified or changed."""

    template_name = "risks/assessments.html"
    model = RiskAssessment
    permission_required = MANAGE  # to record one; every member reads

    def get_context_data(self, **kwargs):
        org = self.ctx.org
        runs = (
            RiskAssessment.objects.for_org(org)
            .select_related("methodology")
            .prefetch_related("participants")
            .order_by("-held_on", "-number")
        )
        can_manage = self.ctx.can(MANAGE)
        titles = {r.reference: r.title for r in Risk.objects.for_org(org).only("number", "title")}
        return {
            **super().get_context_data(**kwargs),
            "runs": [
                (run, [described(c, run.methodology, titles) for c in run.changes]) for run in runs
            ],
            "can_manage": can_manage,
            "form": kwargs.get("form") or (AssessmentForm(org=org) if can_manage else None),
            "pending": assessments.pending(org),
        }

    def post(self, request, *args, **kwargs):
        form = AssessmentForm(request.POST, org=self.ctx.org)
        if form.is_valid():
            try:
                run = assessments.record_assessment(self.ctx, form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, f"{run.reference} recorded: {len(run.changes)} risk(s) changed."
                )
                return redirect("risks:assessments", org=self.ctx.org.slug)
        return self.render_to_response(self.get_context_data(form=form), status=422)


LEVELS = ("inherent_level", "residual_level", "level")


def described(change: dict, methodology, titles: dict[str, str]) -> dict:
    """One change of a run as people read it: ``{"risk", "what", "why"}``, fields by their
    labels and levels by their band's label (``residual level: Medium → Low``)."""
    from django.core.exceptions import FieldDoesNotExist

    def label(name: str) -> str:
        try:
            return str(Risk._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # not a model field of the risk
            return name.replace("_", " ")

    def value(name: str, shown) -> str:
        if shown in (None, "", []):
            return "—"
        if name in LEVELS:
            return methodology.label_of(shown)
        if isinstance(shown, list):
            return ", ".join(str(v) for v in shown)
        return str(shown)

    parts = [event.capitalize() for event in change.get("events", [])]
    parts += [
        f"{label(name)}: {value(name, values[0])} → {value(name, values[1])}"
        for name, values in change.get("fields", {}).items()
    ]
    reference = change.get("risk", "")
    risk = f"{reference} {change.get('title') or titles.get(reference, '')}".strip()
    return {"risk": risk, "what": "; ".join(parts) or "—", "why": change.get("reason") or "—"}
