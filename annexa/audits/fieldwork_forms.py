"""Forms of the checklist, fieldwork, sampling and evidence-request pages.

They parse and check the shape of input only; the services decide what is allowed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from annexa.audits.choices import AuditMethod, ChecklistResult, SampleRecordResult, SamplingRule
from annexa.audits.services.common import members_of
from annexa.evidence.models import EvidenceVersion

INLINE_FIELDS = ("result", "methods", "examined", "verification", "notes")
ROWS = {"rows": 2}


class FieldworkForm(forms.Form):
    """What the auditor records on an item; ``fields`` picks the ones a page shows.

    Only the fields present are changed, so the compact row on the checklist page and the
    full form on the item's page can both save.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    result = forms.ChoiceField(choices=ChecklistResult.choices, required=False)
    methods = forms.MultipleChoiceField(
        choices=AuditMethod.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    examined = forms.CharField(
        label="What was examined", required=False, widget=forms.Textarea(attrs=ROWS)
    )
    analysis = forms.CharField(
        label="How it was analysed", required=False, widget=forms.Textarea(attrs=ROWS)
    )
    verification = forms.CharField(
        label="How it was verified", required=False, widget=forms.Textarea(attrs=ROWS)
    )
    auditees = forms.ModelMultipleChoiceField(
        label="Auditees interviewed", queryset=None, required=False
    )
    auditees_other = forms.CharField(
        label="Other people interviewed",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="One per line: name and role of people who are not members.",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown: *emphasis*, lists, links (http, https, mailto).",
    )
    evidence = forms.ModelMultipleChoiceField(queryset=None, required=False)
    upload = forms.FileField(label="Upload evidence on the spot", required=False)
    upload_title = forms.CharField(label="Title of the upload", required=False, max_length=200)
    upload_valid_days = forms.IntegerField(
        label="Valid for (days)", required=False, min_value=1, max_value=7320
    )

    def __init__(self, *args: Any, org, fields: tuple[str, ...] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["auditees"].queryset = members_of(org)
        self.fields["evidence"].queryset = EvidenceVersion.objects.for_org(org)
        if fields is not None:
            keep = {"version", *fields}
            for name in list(self.fields):
                if name not in keep:
                    del self.fields[name]

    def changes(self) -> dict[str, Any]:
        """The submitted values the service records (not the version, not the upload)."""
        skip = {"version", "upload", "upload_title", "upload_valid_days"}
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        for name in ("auditees", "evidence"):
            if name in data:
                data[name] = list(data[name])
        return data


class AddItemForm(forms.Form):
    subject = forms.CharField(
        label="Requirement or control", max_length=20, help_text="For example 9.2.2 or A.5.15."
    )
    question = forms.CharField(widget=forms.Textarea(attrs=ROWS))
    expected = forms.CharField(
        label="Documented information expected",
        required=False,
        widget=forms.Textarea(attrs=ROWS),
        help_text="One per line.",
    )


class RemoveItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    reason = forms.CharField(max_length=2000)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class ImportForm(forms.Form):
    file = forms.FileField(label="Filled checklist (.xlsx)")


class SampleForm(forms.Form):
    """The population (a file, pasted text, or evidence), the rule and an optional seed."""

    population_file = forms.FileField(
        label="Population file",
        required=False,
        help_text=".txt (one record per line), .csv, .xlsx or .json",
    )
    population_text = forms.CharField(
        label="…or paste the records",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One record per line.",
    )
    population_evidence = forms.ModelChoiceField(
        label="…or take them from evidence", queryset=None, required=False
    )
    column = forms.CharField(
        required=False, max_length=100, help_text="CSV, XLSX or JSON: the column holding the ids."
    )
    rule = forms.ChoiceField(choices=SamplingRule.choices, initial=SamplingRule.STATISTICAL)
    size = forms.IntegerField(
        required=False, min_value=1, help_text="Judgement: how many records you examine."
    )
    confidence_level = forms.DecimalField(
        label="Confidence level (%)", required=False, max_digits=5, decimal_places=2, initial=95
    )
    tolerable_deviation_rate = forms.DecimalField(
        label="Tolerable deviation rate (%)",
        required=False,
        max_digits=5,
        decimal_places=2,
        initial=5,
    )
    expected_deviation = forms.DecimalField(
        label="Expected deviation rate (%)",
        required=False,
        max_digits=5,
        decimal_places=2,
        initial=0,
    )
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs=ROWS))
    seed = forms.CharField(
        required=False, max_length=100, help_text="Leave empty for a random seed."
    )

    def __init__(self, *args: Any, org, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["population_evidence"].queryset = EvidenceVersion.objects.for_org(
            org
        ).select_related("evidence")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [
            bool(data.get("population_file")),
            bool((data.get("population_text") or "").strip()),
            data.get("population_evidence") is not None,
        ]
        if sum(given) != 1:
            raise forms.ValidationError(
                "Give the population one way: a file, pasted records, or evidence."
            )
        return data

    def expected(self) -> Decimal:
        value = self.cleaned_data.get("expected_deviation")
        return value if value is not None else Decimal("0")


class SampleRecordForm(forms.Form):
    result = forms.ChoiceField(choices=SampleRecordResult.choices, required=False)
    note = forms.CharField(required=False, max_length=2000)


class RequestForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None)
    description = forms.CharField(widget=forms.Textarea(attrs=ROWS))
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, org, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members_of(org)
        self.fields["assignee"].label_from_instance = lambda u: u.full_name or u.email
        if not self.is_bound and "due_date" not in self.initial:
            self.initial["due_date"] = timezone.localdate() + dt.timedelta(days=7)


class FulfilForm(forms.Form):
    file = forms.FileField()
    valid_days = forms.IntegerField(
        label="Valid for (days)", required=False, min_value=1, max_value=7320
    )
    note = forms.CharField(required=False, max_length=2000)
    complete = forms.BooleanField(
        label="This answers the request in full", required=False, initial=True
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=2000)
