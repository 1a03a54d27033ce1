"""Forms of the management review pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from annexa.actions.forms import DATE, possible_owners
from annexa.findings.forms import attach_errors, members_of
from annexa.reviews.choices import DecisionKind

__all__ = ["AssembleForm", "DecisionForm", "HoldForm", "InputForm", "ReviewForm", "attach_errors"]


class ReviewForm(forms.Form):
    """The review's header: when, who, and the conclusion."""

    title = forms.CharField(max_length=200)
    planned_date = forms.DateField(widget=DATE, label="Planned date")
    held_on = forms.DateField(widget=DATE, required=False, label="Held on")
    chair = forms.ModelChoiceField(queryset=None, required=False, empty_label="— nobody yet —")
    attendees = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label="Attendees (members)"
    )
    external_attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Other attendees",
        help_text="People who are not members, one per line (name and role).",
    )
    conclusion = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Conclusion on the ISMS",
        help_text="Is the ISMS still suitable, adequate and effective? Say why.",
    )

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = members_of(org)
        self.fields["attendees"].queryset = members_of(org)

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["attendees"] = list(data["attendees"])
        return data


class InputForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Discussion notes"
    )


class AssembleForm(forms.Form):
    replace_edited = forms.BooleanField(
        required=False, label="Also replace summaries people have edited"
    )


class HoldForm(forms.Form):
    held_on = forms.DateField(widget=DATE, required=False, label="Held on (default today)")


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=DecisionKind.choices)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Decision")
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="— no owner —")
    due_date = forms.DateField(widget=DATE, required=False, label="Due date")

    def __init__(self, *args, org, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners(org)
