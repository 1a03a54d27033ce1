"""Web forms of the audits app. They parse and check input; the services do the saving."""

from __future__ import annotations

from django import forms

from annexa.audits import picker
from annexa.audits.choices import AUDIT_STATUS_ORDER, AuditKind, MilestoneKind, TeamRole
from annexa.audits.models import AuditProgramme
from annexa.audits.services.common import members_of
from annexa.audits.services.scope import excluded_controls, excluded_message

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
    """An audit's fields and its scope pickers (``annexa.audits.picker``).

    ``kept``: the controls the audit already has; one the SoA excluded since stays allowed.
    """

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
    requirements = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    requirements_groups = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple
    )
    controls = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    controls_groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    units = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Units and systems")
    scope_reason = forms.CharField(
        max_length=500, required=False, help_text="Why the items you add are in scope."
    )

    PICKERS = ("requirements", "controls")

    def __init__(self, *args, org, kept=(), **kwargs) -> None:
        from annexa.isms.models import OrgUnit

        super().__init__(*args, **kwargs)
        self.org, self.kept = org, set(kept)
        self.fields["auditees"].queryset = members_of(org)
        self.fields["units"].queryset = OrgUnit.objects.for_org(org).order_by("name")
        self.pickers = {
            "requirements": picker.Picker(
                "requirements",
                "Requirements (clauses 4 to 10)",
                "Search by number or words; a whole clause adds each of its requirements.",
                picker.requirement_groups(),
            ),
            "controls": picker.Picker(
                "controls",
                "Annex A controls",
                "Each control shows what the Statement of Applicability says. A whole theme "
                "adds its controls except those the SoA marks not applicable.",
                picker.control_groups(org),
            ),
        }
        for name, chooser in self.pickers.items():
            self.fields[name].choices = [
                (o.value, o.label) for g in chooser.groups for o in g.options
            ]
            self.fields[chooser.groups_name].choices = [(g.key, g.title) for g in chooser.groups]

    def picker_for(self, name: str) -> picker.Picker:
        """The picker ``name`` with the boxes ticked as submitted (or as the audit has them)."""
        chooser = self.pickers[name]
        chooser.check(self[name].value() or [], self[chooser.groups_name].value() or [])
        chooser.errors = list(self.errors.get(name, [])) + list(
            self.errors.get(chooser.groups_name, [])
        )
        return chooser

    @property
    def requirement_picker(self) -> picker.Picker:
        return self.picker_for("requirements")

    @property
    def control_picker(self) -> picker.Picker:
        return self.picker_for("controls")

    def fields_before_pickers(self) -> list:
        return [self[n] for n in self.fields if n in self.FIELDS]

    def fields_after_pickers(self) -> list:
        return [self[n] for n in ("units", "scope_reason")]

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The planned end cannot be before the planned start.")
        for name, chooser in self.pickers.items():
            if name in data and chooser.groups_name in data:
                added = chooser.members(data[chooser.groups_name])
                data[name] = list(dict.fromkeys([*data[name], *added]))
        if "controls" in data:
            excluded = excluded_controls(self.org, set(data["controls"]) - self.kept)
            if excluded:
                self.add_error("controls", excluded_message(excluded))
        return data

    def scope_ids(self) -> tuple[set, set, set]:
        """The chosen requirement ids, control ids and unit keys (to compare with an audit's)."""
        data = self.cleaned_data
        return set(data["requirements"]), set(data["controls"]), {u.pk for u in data["units"]}

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
