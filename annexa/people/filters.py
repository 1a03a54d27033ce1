"""One filter for the people register, shared by the web page, the API list and the CLI: same
parameter names, same meaning.

``department`` (exact, any case), ``status`` (``current``: started or no start date, not left;
``left``: end date passed; ``future``: starts later), ``gaps`` (``joiners``: a joiner check
missed; ``screening``, ``terms``, ``training``: that one; ``leavers``: left with an account
still enabled — see ``services.checks``) and ``q`` (text in the name, e-mail address, employee
id or job title).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.people.models import Person

STATUSES = [
    ("", "Everyone"),
    ("current", "Current staff"),
    ("left", "Left"),
    ("future", "Not started yet"),
]
GAPS = [
    ("", "Any"),
    ("joiners", "Joiner check missed"),
    ("screening", "Screening missed"),
    ("terms", "Terms missed"),
    ("training", "Training missed"),
    ("leavers", "Left, account still enabled"),
]


class DepartmentField(forms.ChoiceField):
    """A department, offered from the register's departments; any text is accepted (one no
    one belongs to matches no one), compared in any case."""

    def valid_value(self, value) -> bool:
        return len(str(value)) <= 200


class PersonFilterForm(forms.Form):
    department = DepartmentField(required=False, choices=[("", "Any department")])
    status = forms.ChoiceField(required=False, choices=STATUSES)
    gaps = forms.ChoiceField(required=False, choices=GAPS, label="Gaps")
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, data=None, *, org=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.org = org
        if org is not None:
            self.fields["department"].choices = [("", "Any department")] + [
                (d, d) for d in departments(org)
            ]

    def clean_department(self) -> str:
        return self.cleaned_data.get("department") or ""

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters (call ``is_valid()`` first)."""
        return apply_person_filters(queryset, org=self.org, **self.cleaned_data)


def departments(org) -> list[str]:
    found = Person.objects.for_org(org).exclude(department="").values_list("department", flat=True)
    return sorted(set(found), key=str.lower)


def filter_people(queryset: QuerySet, params, org) -> tuple[QuerySet, PersonFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see the form's
    errors)."""
    form = PersonFilterForm(params, org=org)
    if not form.is_valid():
        return queryset.none(), form
    return form.apply(queryset), form


def apply_person_filters(
    queryset: QuerySet,
    *,
    org=None,
    department: str = "",
    status: str = "",
    gaps: str = "",
    q: str = "",
    today=None,
) -> QuerySet:
    """People matching every given criterion."""
    today = today or timezone.localdate()
    if department:
        queryset = queryset.filter(department__iexact=department)
    if status == "current":
        queryset = queryset.filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        queryset = queryset.filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
    elif status == "left":
        queryset = queryset.filter(end_date__lte=today)
    elif status == "future":
        queryset = queryset.filter(start_date__gt=today)
    if gaps:
        queryset = queryset.filter(pk__in=_with_gaps(org, gaps, today))
    if q:
        text = q.strip()
        queryset = queryset.filter(
            Q(name__icontains=text)
            | Q(email__icontains=text)
            | Q(employee_id__iexact=text)
            | Q(job_title__icontains=text)
        )
    return queryset


def _with_gaps(org, gaps: str, today) -> list[int]:
    from annexa.people.services import checks

    if gaps == "leavers":
        return [leaver.person.pk for leaver in checks.leavers(org, today=today, gaps_only=True)]
    found = checks.joiners(org, today=today, gaps_only=True)
    if gaps == "joiners":
        return [j.person.pk for j in found]
    return [j.person.pk for j in found if gaps in j.gaps]
