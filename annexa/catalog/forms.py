"""The filter form of the Annex A list page."""

from __future__ import annotations

from typing import Any

from django import forms

from annexa.catalog.choices import ATTRIBUTES, Theme

NEW_CHOICES = [("", "All"), ("true", "New in 2022"), ("false", "Carried over from 2013")]


def _label(value: str) -> str:
    return value.replace("_", " ")


def attribute_choices() -> list[tuple[str, Any]]:
    """Grouped choices ``"<set>:<value>"``, one group per ISO/IEC 27002 attribute set."""
    groups: list[tuple[str, Any]] = [("", "Any attribute")]
    for name, values in ATTRIBUTES.items():
        groups.append((_label(name).capitalize(), [(f"{name}:{v}", _label(v)) for v in values]))
    return groups


class ControlFilterForm(forms.Form):
    theme = forms.ChoiceField(choices=[("", "All themes"), *Theme.choices], required=False)
    new = forms.ChoiceField(choices=NEW_CHOICES, required=False, label="Edition")
    attribute = forms.ChoiceField(choices=attribute_choices, required=False)
    q = forms.CharField(required=False, max_length=100, label="Search")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``queries.controls`` from the cleaned data."""
        data = self.cleaned_data
        attribute = data.get("attribute")
        return {
            "theme": data.get("theme") or None,
            "new_in_2022": {"true": True, "false": False}.get(data.get("new") or ""),
            "attribute": tuple(attribute.split(":", 1)) if attribute else None,
            "text": data.get("q") or None,
        }
