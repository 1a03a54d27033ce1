"""One filter for the risk register and one for the asset inventory, shared by the web pages,
the API lists and the CLI: same parameter names, same meaning.

Choices that depend on the organization (the level bands and scale sizes of its current
methodology, its classification labels) are read when the form is built with ``org``.
Booleans take ``true`` or ``false`` only (a checkbox sends ``true``): anything else is refused
rather than read as a guess.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.risks.choices import ACTION_NOT_DONE, OPEN_RISK, ActionStatus, AssetKind, RiskStatus

OPEN_CHOICE = "open"
NO_OWNER = "none"
BASES = [("inherent", "Inherent (before treatment)"), ("residual", "Residual (after treatment)")]
RISK_REFERENCE = re.compile(r"^\s*R-?0*(\d{1,9})\s*$", re.IGNORECASE)
ASSET_REFERENCE = re.compile(r"^\s*AS-?0*(\d{1,9})\s*$", re.IGNORECASE)


class TrueCheckbox(forms.CheckboxInput):
    """A checkbox that sends ``true`` when ticked (a plain one sends ``on``), and shows ticked
    only for true (a plain one ticks for any text, ``false`` too)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda v: v is True or str(v).lower() == "true")

    def format_value(self, value):
        return "true"

    def value_from_datadict(self, data, files, name):
        # Django's checkbox turns any text into True; the field judges the text itself.
        return data.get(name)


class FlagField(forms.Field):
    """``true`` or ``false`` (blank: false); any other text is an error."""

    widget = TrueCheckbox
    default_error_messages = {"invalid": "Use true or false."}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> bool:
        if value in (None, "", False):
            return False
        if value is True:
            return True
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def _tri_state(any_label: str, yes: str, no: str) -> forms.ChoiceField:
    """Any, ``true`` or ``false``: for a yes/no property the list may show either way."""
    return forms.ChoiceField(
        required=False, choices=[("", any_label), ("true", yes), ("false", no)]
    )


def _reference_number(pattern: re.Pattern, text: str) -> int | None:
    match = pattern.match(text)
    return int(match.group(1)) if match else None


# --- risks ---------------------------------------------------------------------------------


class RiskFilterForm(forms.Form):
    """Query parameters: ``status`` (a status, or ``open`` for every one but closed),
    ``basis`` (``inherent``, the default, or ``residual``: which assessment ``level``,
    ``likelihood`` and ``impact`` look at), ``level`` (a band key of the methodology),
    ``likelihood`` and ``impact`` (a heat-map cell), ``owner`` (e-mail), ``overdue`` (open
    risks past their review date), ``above`` (open risks above the acceptance threshold),
    ``asset`` (AS-0001), ``control`` (A.8.5) and ``q`` (text, or a reference such as R-0012).
    """

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (OPEN_CHOICE, "Open (not closed)"), *RiskStatus.choices],
    )
    basis = forms.ChoiceField(required=False, choices=BASES, label="Inherent or residual")
    level = forms.ChoiceField(required=False, choices=[("", "Any level")], label="Level")
    likelihood = forms.IntegerField(required=False, min_value=1, max_value=10)
    impact = forms.IntegerField(required=False, min_value=1, max_value=10)
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    overdue = FlagField(label="Review overdue")
    above = FlagField(label="Above the acceptance threshold")
    asset = forms.CharField(required=False, max_length=20, label="Asset (AS-0001)")
    control = forms.CharField(required=False, max_length=20, label="Annex A control")
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, data=None, *, org=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.org = org
        self.methodology = None
        if org is not None:
            from annexa.risks.services import methodology

            self.methodology = methodology.current(org)
            bands = [(b["key"], b["label"]) for b in self.methodology.bands]
            self.fields["level"].choices = [("", "Any level"), *bands]

    def _within_scale(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and self.methodology is not None:
            top = len(getattr(self.methodology, name))
            if value > top:
                raise forms.ValidationError(f"The {name} scale goes from 1 to {top}.")
        return value

    def clean_likelihood(self) -> int | None:
        return self._within_scale("likelihood")

    def clean_impact(self) -> int | None:
        return self._within_scale("impact")

    def clean_asset(self) -> int | None:
        text = self.cleaned_data["asset"].strip()
        if not text:
            return None
        number = _reference_number(ASSET_REFERENCE, text)
        if number is None:
            raise forms.ValidationError("Name the asset by its reference, e.g. AS-0001.")
        return number

    def clean_control(self) -> str:
        return self.cleaned_data["control"].strip().upper()

    def clean_basis(self) -> str:
        return self.cleaned_data["basis"] or "inherent"

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters (call ``is_valid()`` first)."""
        return apply_risk_filters(queryset, methodology=self.methodology, **self.cleaned_data)


def filter_risks(queryset: QuerySet, params, org) -> tuple[QuerySet, RiskFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see the form's
    errors)."""
    return _narrowed(RiskFilterForm(params, org=org), queryset)


def _narrowed(form, queryset: QuerySet):
    if not form.is_valid():
        return queryset.none(), form
    return form.apply(queryset), form


def apply_risk_filters(
    queryset: QuerySet,
    *,
    methodology=None,
    status: str = "",
    basis: str = "inherent",
    level: str = "",
    likelihood: int | None = None,
    impact: int | None = None,
    owner: str = "",
    overdue: bool = False,
    above: bool = False,
    asset: int | None = None,
    control: str = "",
    q: str = "",
) -> QuerySet:
    """Risks matching every given criterion. ``above`` needs the ``methodology`` (its
    acceptance threshold): the residual score, or the inherent one while no residual is
    assessed, is above it."""
    basis = basis or "inherent"
    if status == OPEN_CHOICE:
        queryset = queryset.filter(status__in=OPEN_RISK)
    elif status:
        queryset = queryset.filter(status=status)
    if level:
        queryset = queryset.filter(**{f"{basis}_level": level})
    if likelihood is not None:
        queryset = queryset.filter(**{f"{basis}_likelihood": likelihood})
    if impact is not None:
        queryset = queryset.filter(**{f"{basis}_impact": impact})
    if owner:
        queryset = queryset.filter(owner__email__iexact=owner.strip())
    if overdue:
        queryset = queryset.filter(status__in=OPEN_RISK, review_date__lt=timezone.localdate())
    if above and methodology is not None:
        threshold = methodology.acceptance_threshold
        queryset = queryset.filter(status__in=OPEN_RISK).filter(
            Q(residual_score__gt=threshold)
            | Q(residual_score__isnull=True, inherent_score__gt=threshold)
        )
    if asset is not None:
        queryset = queryset.filter(assets__number=asset)
    if control:
        queryset = queryset.filter(controls__id=control)
    if q:
        text = q.strip()
        match = Q(title__icontains=text) | Q(threat__icontains=text)
        match |= Q(vulnerability__icontains=text) | Q(consequence__icontains=text)
        match |= Q(treatment_plan__icontains=text) | Q(existing_controls__icontains=text)
        number = _reference_number(RISK_REFERENCE, text)
        if number is not None:
            match |= Q(number=number)
        queryset = queryset.filter(match)
    if asset is not None or control:
        queryset = queryset.distinct()
    return queryset


# --- assets --------------------------------------------------------------------------------


class AssetFilterForm(forms.Form):
    """Query parameters: ``kind``, ``owner`` (e-mail, or ``none`` for assets without one),
    ``classification`` (a label's name), ``confirmed`` and ``retired`` (``true``/``false``;
    absent: either) and ``q`` (text in the name, description or location, or a reference such
    as AS-0003)."""

    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *AssetKind.choices])
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    classification = forms.CharField(required=False, max_length=60, label="Classification")
    confirmed = _tri_state("Confirmed or not", "Confirmed", "Awaiting confirmation")
    retired = _tri_state("In use or retired", "Retired", "In use")
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, data=None, *, org=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.org = org
        if org is not None:
            from annexa.risks.services.assets import classifications

            labels = [(c.name, c.name) for c in classifications(org)]
            self.fields["classification"] = forms.ChoiceField(
                required=False, choices=[("", "Any classification"), *labels]
            )

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters (call ``is_valid()`` first)."""
        return apply_asset_filters(queryset, **self.cleaned_data)


def filter_assets(queryset: QuerySet, params, org) -> tuple[QuerySet, AssetFilterForm]:
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see the form's
    errors)."""
    return _narrowed(AssetFilterForm(params, org=org), queryset)


def apply_asset_filters(
    queryset: QuerySet,
    *,
    kind: str = "",
    owner: str = "",
    classification: str = "",
    confirmed: str = "",
    retired: str = "",
    q: str = "",
) -> QuerySet:
    """Assets matching every given criterion."""
    if kind:
        queryset = queryset.filter(kind=kind)
    owner = owner.strip()
    if owner.lower() == NO_OWNER:
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner__email__iexact=owner)
    if classification:
        queryset = queryset.filter(classification__name__iexact=classification)
    if confirmed:
        queryset = queryset.filter(confirmed=confirmed == "true")
    if retired:
        queryset = queryset.filter(retired=retired == "true")
    if q:
        text = q.strip()
        match = Q(name__icontains=text) | Q(description__icontains=text)
        match |= Q(location__icontains=text)
        number = _reference_number(ASSET_REFERENCE, text)
        if number is not None:
            match |= Q(number=number)
        queryset = queryset.filter(match)
    return queryset


# --- treatment actions ---------------------------------------------------------------------


class TreatmentActionFilterForm(forms.Form):
    """Query parameters: ``status`` (a status, or ``open`` for open and in progress),
    ``owner`` (e-mail) and ``overdue`` (not done and past the due date)."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (OPEN_CHOICE, "Not done"), *ActionStatus.choices],
    )
    owner = forms.CharField(required=False, max_length=254, label="Owner (e-mail)")
    overdue = FlagField(label="Overdue only")

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters (call ``is_valid()`` first)."""
        data = self.cleaned_data
        if data["status"] == OPEN_CHOICE:
            queryset = queryset.filter(status__in=ACTION_NOT_DONE)
        elif data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["owner"]:
            queryset = queryset.filter(owner__email__iexact=data["owner"].strip())
        if data["overdue"]:
            queryset = queryset.filter(
                status__in=ACTION_NOT_DONE, due_date__lt=timezone.localdate()
            )
        return queryset


def filter_treatment_actions(queryset: QuerySet, params):
    """``queryset`` narrowed by ``params``; invalid parameters match nothing (see the form's
    errors)."""
    return _narrowed(TreatmentActionFilterForm(params), queryset)
