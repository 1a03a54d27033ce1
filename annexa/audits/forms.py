"""Web forms of the audits app. They parse and check input; the services do the saving."""

from __future__ import annotations

from django import forms

from annexa.audits.choices import AUDIT_STATUS_ORDER, AuditKind, MilestoneKind, TeamRole
from annexa.audits.models import AuditProgramme
from annexa.audits.services.common import members_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class ProgrammeForm(forms.Form):
    """A programme's texts and, per external audit, its date (``milestone_<kind>``)."""

    title = forms.CharField(max_length=200, required=False, help_text="Default: the years.")
    start_date = forms.DateField(widget=DATE)
    years = forms.IntegerField(min_value=1, max_value=10, initial=3, label="Cycle (years)")
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    risks = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Risks and opportunities considered",
    )
    criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="ISO/IEC 27001:2022",
        help_text="The standard plus any internal policies the audits check against.",
    )
    methods = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    resources = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    plan = forms.BooleanField(
        required=False, initial=True, label="Propose the audits with the planner now"
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in MilestoneKind:
            self.fields[f"milestone_{kind.value}"] = forms.DateField(
                label=kind.label,
                required=False,
                widget=DATE,
                help_text="Leave empty for the usual date." if not editing else "",
            )
        if editing:
            del self.fields["years"]
            del self.fields["plan"]
            self.fields["end_date"] = forms.DateField(widget=DATE)
            self.order_fields(["title", "start_date", "end_date"])

    def milestones(self) -> dict:
        return {
            kind.value: self.cleaned_data[f"milestone_{kind.value}"]
            for kind in MilestoneKind
            if self.cleaned_data.get(f"milestone_{kind.value}")
        }

    def texts(self) -> dict[str, str]:
        names = ("objectives", "risks", "criteria", "methods", "resources")
        return {name: self.cleaned_data[name] for name in names}


class GapReasonForm(forms.Form):
    """A reason for one gap, or with ``item=ALL`` for every gap that has none yet."""

    ALL = "all"

    item = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class AuditForm(forms.Form):
    """An audit's fields and its scope pickers."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AuditKind.choices, label="Type")
    planned_start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(widget=DATE)
    actual_start = forms.DateField(widget=DATE, required=False)
    actual_end = forms.DateField(widget=DATE, required=False)
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    limitations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What could not be examined, and why.",
    )
    auditees = MembersChoiceField(queryset=None, required=False)
    requirements = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"size": 12})
    )
    controls = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"size": 12})
    )
    units = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Units and systems")
    scope_reason = forms.CharField(
        max_length=500, required=False, help_text="Why the items you add are in scope."
    )

    def __init__(self, *args, org, **kwargs) -> None:
        from annexa.catalog.models import Control, Requirement
        from annexa.isms.models import OrgUnit

        super().__init__(*args, **kwargs)
        self.fields["auditees"].queryset = members_of(org)
        self.fields["units"].queryset = OrgUnit.objects.for_org(org).order_by("name")
        self.fields["requirements"].choices = [
            (r.id, f"{r.id} {r.title}") for r in Requirement.objects.filter(auditable=True)
        ]
        controls = Control.objects.all()
        self.fields["controls"].choices = [(c.id, f"{c.id} {c.title}") for c in controls]

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The planned end cannot be before the planned start.")
        return data

    FIELDS = (
        "title",
        "kind",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "objectives",
        "criteria",
        "limitations",
        "auditees",
    )

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class TeamForm(forms.Form):
    user = MemberChoiceField(queryset=None, label="Auditor")
    role = forms.ChoiceField(choices=TeamRole.choices)
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Only if the auditor owns or manages something in scope (managers only).",
    )

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(org)


class OverrideForm(forms.Form):
    user = MemberChoiceField(queryset=None, widget=forms.HiddenInput)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(org)


class RemoveMemberForm(forms.Form):
    user = MemberChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(org)


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=[(s, s) for s in AUDIT_STATUS_ORDER])


class ReopenForm(forms.Form):
    to = forms.ChoiceField(choices=[(s, s) for s in AUDIT_STATUS_ORDER])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CopyForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— the next programme —"
    )

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = AuditProgramme.objects.for_org(org)


class RequirementOwnerForm(forms.Form):
    requirement = forms.CharField(max_length=20, widget=forms.HiddenInput)
    user = MemberChoiceField(queryset=None, required=False, empty_label="— nobody —")

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(org)
