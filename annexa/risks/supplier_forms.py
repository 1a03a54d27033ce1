"""Forms of the supplier register: the list's filter (shared by the page, the API and the CLI)
and the pages' forms. They parse input only; ``services.suppliers`` decides what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from annexa.risks.choices import (
    AssetKind,
    Criticality,
    SupplierAssessmentKind,
    SupplierAssessmentResult,
)
from annexa.risks.filters import FlagField
from annexa.risks.services import suppliers as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CERTIFICATE_CHOICES = [
    ("", "Any certificate"),
    ("attention", f"Expired or expiring within {services.EXPIRY_WARNING_DAYS} days"),
    ("expired", "Expired"),
    ("expiring", f"Expiring within {services.EXPIRY_WARNING_DAYS} days"),
    ("valid", "Valid"),
    ("none", "None recorded"),
]


class SupplierFilterForm(forms.Form):
    """Query parameters: ``criticality``, ``certificate`` (``attention``: expired or
    expiring; ``expired``, ``expiring``, ``valid``, ``none``), ``overdue`` (review date
    passed), ``owner`` (e-mail, or ``none``), ``retired`` (``true``: retired suppliers too)
    and ``q`` (text in the name, service, contract or data shared, or a reference such as
    SUP-004)."""

    criticality = forms.ChoiceField(
        required=False, choices=[("", "Any criticality"), *Criticality.choices]
    )
    certificate = forms.ChoiceField(required=False, choices=CERTIFICATE_CHOICES)
    overdue = FlagField(label="Review overdue")
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    retired = FlagField(label="Retired ones too")
    q = forms.CharField(required=False, max_length=200, label="Text")


def filter_suppliers(queryset: QuerySet, params) -> tuple[QuerySet, SupplierFilterForm]:
    """``queryset`` (from ``services.suppliers.register``) narrowed by ``params``; invalid
    parameters match nothing (see the form's errors)."""
    form = SupplierFilterForm(params)
    if not form.is_valid():
        return queryset.none(), form
    data = form.cleaned_data
    return (
        services.apply_filters(
            queryset,
            criticality=data["criticality"],
            certificate=data["certificate"],
            review_overdue=data["overdue"],
            owner=data["owner"],
            retired=data["retired"],
            q=data["q"],
        ),
        form,
    )


def members(org):
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org).order_by("email")


class SupplierForm(forms.Form):
    """What the register says about a supplier; ``version`` is the one the form showed."""

    name = forms.CharField(max_length=200, required=False, label="Name")
    service = forms.CharField(
        max_length=300, required=False, label="Service", help_text="What the supplier does for us."
    )
    criticality = forms.ChoiceField(choices=Criticality.choices, label="Criticality")
    data_shared = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Data shared",
        help_text="Which of our information the supplier holds or can reach.",
    )
    contract = forms.CharField(
        max_length=300,
        required=False,
        label="Contract",
        help_text="The agreement, its reference or where it is kept.",
    )
    security_clauses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Security clauses",
        help_text="What the contract requires of the supplier (A.5.20).",
    )
    owner = forms.ModelChoiceField(
        queryset=None, required=False, label="Owner", empty_label="— nobody yet —"
    )
    review_date = forms.DateField(widget=DATE, required=False, label="Next review")
    risks = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Risks it brings",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    asset = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Asset in the inventory",
        empty_label="— none —",
        help_text="An asset of the kind Supplier.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, org, **kwargs) -> None:
        from annexa.risks.models import Asset, Risk

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members(org)
        self.fields["risks"].queryset = Risk.objects.for_org(org).order_by("number")
        self.fields["asset"].queryset = Asset.objects.for_org(org).filter(
            kind=AssetKind.SUPPLIER, retired=False
        )

    def changes(self) -> tuple[dict, int | None]:
        """The service's ``data`` and the version the form showed."""
        data = dict(self.cleaned_data)
        version = data.pop("version", None)
        data["risks"] = list(data["risks"])
        return data, version


class AssessmentForm(forms.Form):
    kind = forms.ChoiceField(choices=SupplierAssessmentKind.choices, label="Kind")
    assessed_on = forms.DateField(widget=DATE, label="Assessed on")
    expires_on = forms.DateField(
        widget=DATE,
        required=False,
        label="Expires on",
        help_text="For a certificate or report: when it stops counting.",
    )
    result = forms.ChoiceField(choices=SupplierAssessmentResult.choices, label="Result")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Notes")
    next_review = forms.DateField(
        widget=DATE,
        required=False,
        label="Next review of the supplier",
        help_text="Empty: the review date stays as it is.",
    )
    file = forms.FileField(
        required=False,
        label="Certificate or report (file)",
        help_text="Stored as evidence of A.5.22.",
    )

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "file"}
        if data.get("next_review") is None:
            data.pop("next_review", None)
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label="Why the supplier is retired",
    )
