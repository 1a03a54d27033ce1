"""The SoA filter: one definition for the web list, the API list and the CLI."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from annexa.catalog.choices import Theme
from annexa.isms.choices import ImplementationStatus

YES_NO = [("", "any"), ("yes", "yes"), ("no", "no")]
NO_OWNER = "none"


class SoAFilter(forms.Form):
    """Query parameters: ``theme``, ``applicable`` (yes/no), ``status``, ``owner`` (an e-mail
    address, or ``none`` for entries without owner) and ``q`` (text in id, title,
    justification or notes)."""

    theme = forms.ChoiceField(choices=[("", "any theme"), *Theme.choices], required=False)
    applicable = forms.ChoiceField(choices=YES_NO, required=False)
    status = forms.ChoiceField(
        choices=[("", "any status"), *ImplementationStatus.choices], required=False
    )
    owner = forms.CharField(required=False, max_length=254)
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, data=None, *, org=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.org = org

    def clean_owner(self) -> str:
        owner = self.cleaned_data["owner"].strip().lower()
        if owner and owner != NO_OWNER and self.org is not None:
            from annexa.orgs.models import User

            if not User.objects.filter(email=owner, memberships__organization=self.org).exists():
                raise forms.ValidationError(f"{owner} is not a member of this organization.")
        return owner

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters (call ``is_valid()`` first)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("theme"):
            queryset = queryset.filter(control__theme=data["theme"])
        if data.get("applicable"):
            queryset = queryset.filter(applicable=data["applicable"] == "yes")
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        owner = data.get("owner")
        if owner == NO_OWNER:
            queryset = queryset.filter(control_owner__isnull=True)
        elif owner:
            queryset = queryset.filter(control_owner__email=owner)
        if data.get("q"):
            text = data["q"].strip()
            queryset = queryset.filter(
                Q(control__id__icontains=text)
                | Q(control__title__icontains=text)
                | Q(justification__icontains=text)
                | Q(notes__icontains=text)
            )
        return queryset
