"""Forms of the corrective-action pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from annexa.actions.choices import ActionSource, ReviewConclusion, ReviewMethod
from annexa.findings.forms import VersionChoiceField, attach_errors, versions_of

__all__ = ["ActionForm", "CloseForm", "ImplementForm", "ReviewForm", "attach_errors"]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def possible_owners(org):
    """Members whose role may work on corrective actions."""
    from annexa.orgs.models import User
    from annexa.orgs.permissions import PERMISSIONS

    roles = PERMISSIONS["actions.manage"]
    return User.objects.filter(memberships__organization=org, memberships__role__in=roles).order_by(
        "email"
    )


def open_nonconformities(org):
    from annexa.findings.choices import NONCONFORMITIES, FindingStatus
    from annexa.findings.models import Finding

    return Finding.objects.for_org(org).filter(
        grade__in=NONCONFORMITIES, status__in=(FindingStatus.OPEN, FindingStatus.IN_PROGRESS)
    )


class ActionForm(forms.Form):
    """What an action says. ``finding`` and ``source`` only when creating one."""

    finding = forms.ModelChoiceField(
        queryset=None, required=False, label="Nonconformity", empty_label="— none —"
    )
    source = forms.ChoiceField(
        choices=[c for c in ActionSource.choices if c[0] != ActionSource.FINDING],
        required=False,
        label="Source (without a nonconformity)",
    )
    source_reference = forms.CharField(max_length=200, required=False, label="Source reference")
    title = forms.CharField(max_length=200, required=False)
    control = forms.CharField(max_length=20, required=False, label="Annex A control")
    requirement = forms.CharField(max_length=20, required=False, label="Requirement (clause)")
    correction = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Immediate correction"
    )
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Corrective action plan")
    owner = forms.ModelChoiceField(queryset=None, label="Owner")
    due_date = forms.DateField(widget=DATE, label="Due date")
    reason = forms.CharField(
        max_length=2000, required=False, label="Why the plan changed (when it did)"
    )

    def __init__(self, *args, org, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners(org)
        if creating:
            self.fields["finding"].queryset = open_nonconformities(org)
            del self.fields["reason"]
        else:
            for name in ("finding", "source"):
                del self.fields[name]

    def create_values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        if data.get("finding") is not None:
            data.pop("source", None)
            for name in ("title", "control", "requirement"):
                if not data.get(name):
                    data.pop(name, None)  # the finding's, by default
        return data

    def update_values(self) -> tuple[dict, str]:
        data = dict(self.cleaned_data)
        return data, data.pop("reason", "")


class ImplementForm(forms.Form):
    note = forms.CharField(max_length=2000, required=False, label="What was done")


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(widget=DATE, label="Review date")
    method = forms.ChoiceField(choices=ReviewMethod.choices)
    conclusion = forms.ChoiceField(choices=ReviewConclusion.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What you checked")
    evidence = VersionChoiceField(queryset=None, required=False)
    new_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="New plan (when not effective)",
    )

    def __init__(self, *args, org, automated_results: bool = True, **kwargs) -> None:
        """``automated_results``: whether the control's automated tests ran since the fix.

        The method chosen in advance is one the review accepts: the automated test results
        when there are some, a review of documents and records otherwise. Without results the
        automated method is not offered either; sent anyway, it reaches the service, whose
        refusal says why (the field still validates every method, so that message is the one
        shown, not a generic "not one of the choices")."""
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = versions_of(org)
        method = self.fields["method"]
        method.initial = (
            ReviewMethod.AUTOMATED_TEST if automated_results else ReviewMethod.DOCUMENT_REVIEW
        )
        method.widget.choices = [
            (value, label)
            for value, label in ReviewMethod.choices
            if automated_results or value != ReviewMethod.AUTOMATED_TEST
        ]


class CloseForm(forms.Form):
    note = forms.CharField(max_length=2000, required=False)
