"""Web forms. They parse and check input; the services in ``services`` do the saving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from annexa.isms.choices import ObjectiveStatus
from annexa.isms.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    OrgUnit,
    SoAEntry,
)
from annexa.isms.services import objectives as objective_services


def members_of(org):
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org).order_by("email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class VersionField(forms.IntegerField):
    """The version the form was drawn from, posted back so a stale save is refused (409)."""

    widget = forms.HiddenInput
    default_error_messages = {
        "required": "This form did not say which version you edited: reload the page and "
        "make your change again.",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, **kwargs)


class SoAEntryForm(forms.ModelForm):
    """One SoA row. ``version`` is the version the user started from (optimistic locking)."""

    version = VersionField()
    control_owner = MemberChoiceField(queryset=None, required=False, empty_label="— no owner —")

    class Meta:
        model = SoAEntry
        fields = ["applicable", "justification", "status", "control_owner", "notes"]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, org, **kwargs) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            # Unique ids per row: the SoA page also has filter fields named like these, and a
            # label must point at the control inside its own form.
            kwargs.setdefault("auto_id", f"soa-{instance.control_id.replace('.', '-')}-%s")
        super().__init__(*args, **kwargs)
        self.fields["control_owner"].queryset = members_of(org)
        self.fields["justification"].required = True
        self.fields["justification"].error_messages["required"] = (
            "A justification is required for every inclusion and every exclusion."
        )
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ScopeForm(forms.Form):
    """A new version of the scope statement."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label="Scope statement (Markdown)",
        error_messages={"required": "Describe the scope: what the ISMS covers."},
    )
    boundaries = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Organizational, physical and technical boundaries and interfaces.",
    )
    units = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="In scope",
        help_text="Units, systems, locations and processes the ISMS covers (manage them on "
        "the Context page).",
    )
    exclusions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One per line: what is excluded | why. Example: Payroll system | run by an "
        "external provider under contract.",
    )

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = OrgUnit.objects.for_org(org)

    def clean_exclusions(self) -> list[dict[str, str]]:
        exclusions, problems = [], []
        lines = self.cleaned_data["exclusions"].splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            item, sep, reason = line.partition("|")
            if not sep or not item.strip() or not reason.strip():
                problems.append(f"Line {number}: write it as 'what is excluded | why'.")
                continue
            exclusions.append({"item": item.strip(), "reason": reason.strip()})
        if problems:
            raise ValidationError(problems)
        return exclusions

    @staticmethod
    def exclusions_text(exclusions: list[dict[str, str]]) -> str:
        return "\n".join(f"{e['item']} | {e['reason']}" for e in exclusions)


class ContextIssueForm(forms.ModelForm):
    class Meta:
        model = ContextIssue
        fields = ["kind", "description", "effect", "climate_related"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "effect": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, org=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class InterestedPartyForm(forms.ModelForm):
    class Meta:
        model = InterestedParty
        fields = ["name", "requirements", "addressed_through_isms", "relevant"]
        widgets = {
            "requirements": forms.Textarea(attrs={"rows": 2}),
            "addressed_through_isms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, org=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class OrgUnitForm(forms.ModelForm):
    manager = MemberChoiceField(queryset=None, required=False, empty_label="— none —")

    class Meta:
        model = OrgUnit
        fields = ["name", "kind", "description", "manager"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = members_of(org)


class SoAImportForm(forms.Form):
    file = forms.FileField(label="XLSX file", help_text="A sheet exported from this page.")


class ControlChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.id} {obj.title}"


class ObjectiveForm(forms.ModelForm):
    """One objective. ``version`` is the version the user started from (optimistic locking);
    withdrawing is its own form, because it asks for the reason."""

    version = VersionField(required=False)  # required when editing, see __init__
    owner = MemberChoiceField(queryset=None, empty_label="— choose a member —")
    control = ControlChoiceField(queryset=None, required=False, empty_label="— none —")

    class Meta:
        model = Objective
        fields = list(objective_services.EDITABLE)
        widgets = {
            "serves": forms.Textarea(attrs={"rows": 2}),
            "measure": forms.Textarea(attrs={"rows": 2}),
            "target": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, org, **kwargs) -> None:
        from annexa.catalog.models import Control

        instance = kwargs.get("instance")
        if instance is not None and instance.pk is not None:
            kwargs.setdefault("auto_id", f"objective-{instance.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(org)
        self.fields["control"].queryset = Control.objects.order_by("sort_key")
        self.fields["status"].choices = [
            c for c in ObjectiveStatus.choices if c[0] != ObjectiveStatus.WITHDRAWN
        ]
        if self.instance.pk is not None:
            # Editing: the version the user started from must come back (optimistic locking).
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = ObjectiveMeasurement
        fields = ["measured_on", "value", "note"]
        widgets = {
            "measured_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, objective, **kwargs) -> None:
        from django.utils import timezone

        kwargs.setdefault("auto_id", f"measure-{objective.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate()
        if objective.unit:
            self.fields["value"].label = f"Value ({objective.unit})"


class WithdrawForm(forms.Form):
    version = VersionField()
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the objective is withdrawn."},
    )
