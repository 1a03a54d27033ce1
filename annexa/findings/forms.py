"""Forms of the findings pages. They collect input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from annexa.core.forms import attach_errors as core_attach_errors
from annexa.findings import guidance
from annexa.findings.choices import NONCONFORMITIES, FindingGrade, GapNature


def members_of(org):
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org).order_by("email")


def versions_of(org):
    from annexa.evidence.models import EvidenceVersion

    return (
        EvidenceVersion.objects.for_org(org)
        .select_related("evidence")
        .order_by("-collected_at", "-id")
    )


class VersionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.evidence.title} · v{obj.number} · {obj.filename} · {obj.sha256[:12]}"


class FindingForm(forms.Form):
    """What a finding says. ``requirement`` and ``control`` are ids (``9.2``, ``A.8.5``)."""

    title = forms.CharField(max_length=200, required=False)
    grade = forms.ChoiceField(choices=FindingGrade.choices)
    control = forms.CharField(max_length=20, required=False, label="Annex A control")
    requirement = forms.CharField(max_length=20, required=False, label="Requirement (clause)")
    requirement_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="The requirement, in your own words",
        help_text=guidance.REQUIREMENT_STATEMENT_HINT,
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Finding statement",
        help_text=guidance.STATEMENT_HINT,
    )
    nature = forms.ChoiceField(
        choices=GapNature.choices,
        required=False,
        label="Nature of the gap",
        help_text="Only for a nonconformity.",
        # annexa.js shows the field only while the grade is a nonconformity.
        widget=forms.Select(attrs={"data-show-when": "grade=" + " ".join(sorted(NONCONFORMITIES))}),
    )
    evidence = VersionChoiceField(queryset=None, required=False, label="Objective evidence")
    auditees = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Auditees")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason for the change",
        help_text="Required when you change the grade of an open finding; kept in its history.",
    )

    def __init__(self, *args, org, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["reason"]  # a new finding has no earlier grade to explain
        self.fields["evidence"].queryset = versions_of(org)
        self.fields["auditees"].queryset = members_of(org)

    def clean(self) -> dict:
        data = super().clean()
        # Only a nonconformity has a gap nature: a nature left over from a grade changed on the
        # page (or sent without the script that hides the field) is dropped, not refused.
        if "grade" in self.fields and data.get("grade") not in NONCONFORMITIES:
            data["nature"] = ""
        return data

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        """Form initial data from model-like values (catalog objects become their ids)."""
        initial = dict(values)
        for name in ("control", "requirement"):
            value = initial.get(name)
            initial[name] = getattr(value, "id", value) or ""
        return initial

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("reason", None)  # given to the service on its own (``update_finding``)
        data["evidence"] = list(data["evidence"])
        data["auditees"] = list(data["auditees"])
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why withdraw it?")


class AcknowledgeForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CloseForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="How was the closure verified?"
    )
    closed_in = forms.ChoiceField(
        required=False, label="Closed in audit", choices=[("", "— verified outside an audit —")]
    )

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from annexa.audits.models import Audit

        audits = Audit.objects.for_org(org).order_by("-planned_start")
        self.fields["closed_in"].choices = [
            ("", "— verified outside an audit —"),
            *[(a.reference, f"{a.reference} {a.title}") for a in audits],
        ]

    def audit(self, org):
        from annexa.audits.models import Audit

        reference = self.cleaned_data.get("closed_in")
        return Audit.objects.for_org(org).filter(reference=reference).first() if reference else None


def attach_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's errors on the form; those about fields it lacks keep the field's name."""
    core_attach_errors(form, exc, name_other_fields=True)
