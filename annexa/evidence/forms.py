"""Forms of the evidence pages. They parse input only; the services decide what is allowed."""

from __future__ import annotations

import re

from django import forms

from annexa.evidence.services import MAX_VALID_DAYS

_SEPARATORS = re.compile(r"[\s,;]+")


def split_ids(value: str) -> list[str]:
    """``"A.5.15, A.8.2"`` → ``["A.5.15", "A.8.2"]`` (commas, semicolons or spaces)."""
    return [item for item in _SEPARATORS.split(value or "") if item]


class IdListField(forms.CharField):
    """Catalog identifiers typed as a list; the service reports unknown ones."""

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        return split_ids(super().to_python(value))


class ContentFields(forms.Form):
    """What every new piece of content carries: the file and the period it speaks for."""

    file = forms.FileField(label="File")
    effective_date = forms.DateField(
        required=False,
        label="Effective date",
        help_text="The date the evidence speaks for (default: today).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VALID_DAYS,
        label="Valid for (days)",
        help_text="After this the evidence is stale. Empty: it does not expire.",
    )


class UploadForm(ContentFields):
    title = forms.CharField(required=False, max_length=200, help_text="Default: the file name.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    controls = IdListField(
        required=False,
        label="Annex A controls",
        help_text="Identifiers such as A.5.15, A.8.2",
        widget=forms.TextInput(attrs={"placeholder": "A.5.15, A.8.2"}),
    )
    requirements = IdListField(
        required=False,
        label="Clause requirements",
        help_text="Identifiers such as 9.2.2",
        widget=forms.TextInput(attrs={"placeholder": "9.2.2"}),
    )

    field_order = ["file", "title", "description", "controls", "requirements"]


class NewVersionForm(ContentFields):
    note = forms.CharField(required=False, max_length=500, label="What changed")
    valid_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VALID_DAYS,
        label="Valid for (days)",
        help_text="Empty: keep the validity period of the current version.",
    )


class LinkForm(forms.Form):
    action = forms.ChoiceField(choices=[("link", "Link"), ("unlink", "Unlink")])
    controls = IdListField(required=False, label="Annex A controls")
    requirements = IdListField(required=False, label="Clause requirements")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not cleaned.get("controls") and not cleaned.get("requirements"):
            raise forms.ValidationError("Name at least one control or requirement.")
        return cleaned
