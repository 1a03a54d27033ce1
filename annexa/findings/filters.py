"""One filter for the findings register page, the API list and the CLI: same names, same
meaning. ``audit`` matches the audit that raised a finding or the one that closed it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.findings.choices import UNRESOLVED, FindingGrade, FindingStatus

AGES = [("", "Any age"), ("30", "Older than 30 days"), ("90", "Older than 90 days")]
AGES += [("180", "Older than 180 days"), ("365", "Older than a year")]
UNRESOLVED_CHOICE = "unresolved"


class FindingFilterForm(forms.Form):
    """Query parameters: ``grade``, ``status``, ``control``, ``audit``, ``age``, ``q``."""

    grade = forms.ChoiceField(
        required=False, choices=[("", "Any grade"), *FindingGrade.choices], label="Grade"
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (UNRESOLVED_CHOICE, "Unresolved"), *FindingStatus.choices],
        label="Status",
    )
    control = forms.CharField(required=False, max_length=20, label="Control or requirement")
    audit = forms.ChoiceField(required=False, choices=[("", "Any audit")], label="Audit")
    age = forms.ChoiceField(required=False, choices=AGES, label="Age")
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, *args, org=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if org is not None:
            from annexa.audits.models import Audit

            references = Audit.objects.for_org(org).order_by("-planned_start", "reference")
            audits = [(a.reference, f"{a.reference} {a.title}") for a in references]
            self.fields["audit"].choices = [("", "Any audit"), *audits]


def filter_findings(queryset: QuerySet, params, org) -> tuple[QuerySet, FindingFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see form errors)."""
    form = FindingFilterForm(params, org=org)
    if not form.is_valid():
        return queryset.none(), form
    return apply_filters(queryset, **form.cleaned_data), form


def apply_filters(
    queryset: QuerySet,
    *,
    grade: str = "",
    status: str = "",
    control: str = "",
    audit: str = "",
    age: str = "",
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet:
    """Findings matching every given criterion."""
    if grade:
        queryset = queryset.filter(grade=grade)
    if status == UNRESOLVED_CHOICE:
        queryset = queryset.filter(status__in=UNRESOLVED)
    elif status:
        queryset = queryset.filter(status=status)
    if control:
        subject = control.strip()
        queryset = queryset.filter(Q(control__id__iexact=subject) | Q(requirement__id=subject))
    if audit:
        queryset = queryset.filter(Q(raised_in__reference=audit) | Q(closed_in__reference=audit))
    if age:
        cutoff = (now or timezone.now()) - dt.timedelta(days=int(age))
        queryset = queryset.filter(raised_at__lte=cutoff)
    if q:
        text = q.strip()
        queryset = queryset.filter(
            Q(title__icontains=text)
            | Q(statement__icontains=text)
            | Q(source_detail__icontains=text)
        )
    return queryset
