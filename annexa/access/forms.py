"""The forms of the access-review pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from annexa.access import services
from annexa.access.choices import Decision, ReviewerMode
from annexa.people.services.accounts import systems


class ReviewForm(forms.Form):
    """A new campaign: the system (one whose accounts Annexa holds, or a new one named with
    its account list), who reviews, when it is due."""

    system = forms.ChoiceField(
        required=False,
        label="System",
        help_text="A system whose accounts Annexa holds (from a connector or an earlier list).",
    )
    new_system = forms.CharField(
        required=False,
        max_length=200,
        label="Or a new system",
        help_text="Its name, when you upload its account list below.",
    )
    file = forms.FileField(
        required=False,
        label="Account list (XLSX or CSV)",
        help_text=(
            "Optional: the system's complete list, one account a row. Columns: account, e-mail, "
            "display name, person (e-mail or employee id), role, privileged, enabled, last login. "
            "Only account is required. A list with a bad row imports nothing."
        ),
    )
    reviewer_mode = forms.ChoiceField(
        choices=ReviewerMode.choices, initial=ReviewerMode.SYSTEM_OWNER, label="Reviewed by"
    )
    system_owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="System owner",
        help_text=(
            "Reviews every account, or those whose holder has no manager here. Left empty: you."
        ),
    )
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due date")
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Scope and description"
    )

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [("", "—")] + [(s, s) for s in systems(org)]
        self.fields["system_owner"].queryset = services.reviewers(org)
        self.fields["system_owner"].label_from_instance = lambda u: (
            f"{u.full_name} <{u.email}>" if u.full_name else u.email
        )
        self.fields["due_date"].initial = timezone.localdate() + dt.timedelta(days=30)

    def clean(self):
        data = super().clean()
        chosen, new = data.get("system") or "", (data.get("new_system") or "").strip()
        if chosen and new:
            self.add_error("new_system", "Choose a system or name a new one, not both.")
        elif not chosen and not new:
            self.add_error("system", "Choose the system whose accounts are reviewed.")
        elif new and not data.get("file"):
            self.add_error("file", "A new system needs its account list.")
        data["system_name"] = chosen or new
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(required=False, max_length=services.MAX_REASON)
    justification = forms.CharField(required=False, max_length=services.MAX_REASON)


class RevokedForm(forms.Form):
    note = forms.CharField(required=False, max_length=services.MAX_NOTE, label="Ticket or note")


class CloseForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label="Account list (XLSX or CSV)")
