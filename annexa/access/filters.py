"""The filters of the campaign list and of a campaign's accounts, shared by the pages, the API
and the command line."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from annexa.access import services
from annexa.access.choices import Decision, ReviewStatus, Revocation

ITEM_SHOW = [
    ("", "All accounts"),
    ("undecided", "Undecided"),
    ("awaiting", "Awaiting a second reviewer"),
    ("orphans", "Orphans (no person, or left)"),
    ("privileged", "Privileged"),
    ("mine", "Mine to review"),
    ("revocations", "Revocations not yet verified"),
]


class ReviewFilter(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ReviewStatus.choices], label="Status"
    )
    system = forms.CharField(required=False, max_length=200, label="System")


class ItemFilter(forms.Form):
    show = forms.ChoiceField(required=False, choices=ITEM_SHOW, label="Show")
    q = forms.CharField(required=False, max_length=200, label="Search")


def filter_reviews(queryset, params):
    """``(queryset, form)``: campaigns by status and system (part of its name, any case)."""
    form = ReviewFilter(params)
    if not form.is_valid():
        return queryset.none(), form
    data = form.cleaned_data
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["system"].strip():
        queryset = queryset.filter(system__icontains=data["system"].strip())
    return queryset, form


def filter_items(queryset, params, user):
    """``(queryset, form)``: a campaign's accounts, by what is left to do or who reviews."""
    form = ItemFilter(params)
    if not form.is_valid():
        return queryset.none(), form
    show, text = form.cleaned_data["show"], form.cleaned_data["q"].strip()
    if show == "undecided":
        queryset = queryset.filter(services.undecided_q())
    elif show == "awaiting":
        queryset = queryset.exclude(decision="").filter(self_review=True, confirmed_at__isnull=True)
    elif show == "orphans":
        queryset = queryset.exclude(orphan="")
    elif show == "privileged":
        queryset = queryset.filter(privileged=True)
    elif show == "mine":
        queryset = queryset.filter(reviewer=user) if user is not None else queryset.none()
    elif show == "revocations":
        queryset = queryset.filter(
            decision=Decision.REVOKE, revocation__in=(Revocation.PENDING, Revocation.DONE)
        )
    if text:
        queryset = queryset.filter(
            Q(username__icontains=text)
            | Q(email__icontains=text)
            | Q(display_name__icontains=text)
            | Q(person_name__icontains=text)
        )
    return queryset, form
