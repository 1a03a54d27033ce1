"""One filter for the corrective-actions list page, the API list and the CLI."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.actions.choices import NOT_DONE, UNRESOLVED, ActionSource, ActionStatus

UNRESOLVED_CHOICE = "unresolved"


class ActionFilterForm(forms.Form):
    """Query parameters: ``status``, ``source``, ``owner`` (e-mail), ``overdue``, ``q``."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (UNRESOLVED_CHOICE, "Not closed"), *ActionStatus.choices],
    )
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *ActionSource.choices])
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    q = forms.CharField(required=False, max_length=200, label="Text")


def filter_actions(queryset: QuerySet, params) -> tuple[QuerySet, ActionFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see form errors)."""
    form = ActionFilterForm(params)
    if not form.is_valid():
        return queryset.none(), form
    return apply_filters(queryset, **form.cleaned_data), form


def apply_filters(
    queryset: QuerySet,
    *,
    status: str = "",
    source: str = "",
    owner: str = "",
    overdue: bool = False,
    q: str = "",
) -> QuerySet:
    if status == UNRESOLVED_CHOICE:
        queryset = queryset.filter(status__in=UNRESOLVED)
    elif status:
        queryset = queryset.filter(status=status)
    if source:
        queryset = queryset.filter(source=source)
    if owner:
        queryset = queryset.filter(owner__email__iexact=owner.strip())
    if overdue:
        queryset = queryset.filter(status__in=NOT_DONE, due_date__lt=timezone.localdate())
    if q:
        text = q.strip()
        queryset = queryset.filter(
            Q(title__icontains=text) | Q(plan__icontains=text) | Q(root_cause__icontains=text)
        )
    return queryset
