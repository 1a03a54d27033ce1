"""The supplier register (A.5.19–A.5.22): suppliers, their assessments, and what needs doing.

Every change goes through here: managers (``risks.manage``) create, edit, retire and reinstate
suppliers and record their assessments; every member reads. Each change is validated with
messages that name the field, and appended to the ledger under the supplier's uid in the same
transaction, so the supplier's history — its assessments included — is one list of entries.

An assessment is a security questionnaire, a certificate or report (ISO/IEC 27001, SOC 2,
another attestation) or an on-site audit, with its date, result and, for certificates and
reports, the date it stops counting. The file (the certificate, the report) is stored as
evidence (``annexa.evidence.services.store``) and linked to A.5.22.

A supplier's *certificate* is its latest assessment of a certificate kind (``CERTIFICATES``):
it has **expired** after its expiry date, and is **expiring** within ``EXPIRY_WARNING_DAYS``
of it. A supplier's **review is overdue** after its review date. Retired suppliers are left
out of both. ``apply_filters`` narrows a list the same way for the page, the API and the CLI.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import is_member
from annexa.risks.choices import (
    AssetKind,
    Criticality,
    SupplierAssessmentKind,
    SupplierAssessmentResult,
)
from annexa.risks.filters import ASSET_REFERENCE, RISK_REFERENCE
from annexa.risks.models import Asset, Risk, Supplier, SupplierAssessment
from annexa.risks.services.common import (
    MANAGE,
    clean_text,
    email_of,
    lock_org,
    next_number,
    record,
    require_text,
)

OBJECT_TYPE = "supplier"
EDITABLE = (
    "name",
    "service",
    "criticality",
    "data_shared",
    "contract",
    "security_clauses",
    "owner",
    "review_date",
    "risks",
    "asset",
)
ASSESSMENT_FIELDS = ("kind", "assessed_on", "expires_on", "result", "notes", "next_review")
CERTIFICATES: frozenset[str] = frozenset(
    {
        SupplierAssessmentKind.ISO27001,
        SupplierAssessmentKind.SOC2,
        SupplierAssessmentKind.OTHER_CERTIFICATE,
    }
)
EXPIRY_WARNING_DAYS = 30
# The Annex A control an assessment's file is evidence for: monitoring and review of supplier
# services.
EVIDENCE_CONTROL = "A.5.22"


class StaleSupplierError(Exception):
    """The supplier changed since the caller read it; saving would overwrite someone's work."""

    def __init__(self, supplier: Supplier, expected: int) -> None:
        self.supplier = supplier
        self.expected = expected
        super().__init__(
            f"{supplier.reference} {supplier.name} was changed by someone else since you read "
            f"it (now version {supplier.version}, you edited version {expected}). Your changes "
            "were not saved: reload the supplier and apply them again."
        )


@dataclass(frozen=True)
class Upload:
    """A file to store as the assessment's evidence: its name, and its content as ``chunks``
    or as a ``path`` (an upload streamed to disk)."""

    filename: str
    chunks: Iterable[bytes] | None = None
    path: Path | str | None = None


# --- snapshots ---------------------------------------------------------------------------------


def snapshot(supplier: Supplier) -> dict[str, Any]:
    """The supplier as JSON-safe data (people by e-mail, risks and asset by reference)."""
    return {
        "reference": supplier.reference,
        "name": supplier.name,
        "service": supplier.service,
        "criticality": supplier.criticality,
        "data_shared": supplier.data_shared,
        "contract": supplier.contract,
        "security_clauses": supplier.security_clauses,
        "owner": email_of(supplier.owner) if supplier.owner_id else None,
        "review_date": supplier.review_date.isoformat() if supplier.review_date else None,
        "risks": sorted(r.reference for r in supplier.risks.all()) if supplier.pk else [],
        "asset": supplier.asset.reference if supplier.asset_id else None,
        "retired": supplier.retired,
    }


def assessment_snapshot(assessment: SupplierAssessment) -> dict[str, Any]:
    return {
        "kind": assessment.kind,
        "assessed_on": assessment.assessed_on.isoformat(),
        "expires_on": assessment.expires_on.isoformat() if assessment.expires_on else None,
        "result": assessment.result,
        "notes": assessment.notes,
        "evidence": str(assessment.evidence.uid) if assessment.evidence_id else None,
    }


# --- suppliers ---------------------------------------------------------------------------------


def create_supplier(ctx: OrgContext, data: Mapping[str, Any]) -> Supplier:
    """A new supplier from ``data`` (the ``EDITABLE`` fields; ``name``, ``service`` and
    ``criticality`` required)."""
    ctx.require(MANAGE)
    _reject_unknown(data, EDITABLE)
    with transaction.atomic():
        lock_org(ctx.org)
        supplier = Supplier(organization=ctx.org, number=next_number(Supplier, ctx.org))
        risks = _apply(ctx, supplier, data, creating=True)
        supplier.save()
        supplier.risks.set(risks or [])
        _record(ctx, supplier, "create", None, snapshot(supplier))
    return supplier


def update_supplier(
    ctx: OrgContext,
    supplier: Supplier,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Supplier:
    """Change a supplier; a no-op when nothing differs. ``expected_version`` (the version the
    caller read) refuses a save over someone else's change (``StaleSupplierError``)."""
    ctx.require(MANAGE)
    _reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        supplier = _locked(ctx, supplier)
        if expected_version is not None and supplier.version != expected_version:
            raise StaleSupplierError(supplier, expected_version)
        before = snapshot(supplier)
        risks = _apply(ctx, supplier, changes, creating=False)
        if risks is not None:
            supplier.risks.set(risks)
        after = snapshot(supplier)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return supplier
        _bump(supplier)
        _record(
            ctx,
            supplier,
            "update",
            {k: before[k] for k in changed},
            {k: after[k] for k in changed},
            version=supplier.version,
        )
    return supplier


def retire_supplier(ctx: OrgContext, supplier: Supplier, reason: str) -> Supplier:
    """The organization no longer uses the supplier: it leaves the reminders and the reports,
    its record and assessments stay. Say why."""
    ctx.require(MANAGE)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why the supplier is retired."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "The reason is at most 2000 characters."})
    return _set_retired(ctx, supplier, True, reason)


def reinstate_supplier(ctx: OrgContext, supplier: Supplier) -> Supplier:
    """A retired supplier is used again."""
    ctx.require(MANAGE)
    return _set_retired(ctx, supplier, False, "")


def _set_retired(ctx: OrgContext, supplier: Supplier, retired: bool, reason: str) -> Supplier:
    with transaction.atomic():
        supplier = _locked(ctx, supplier)
        if supplier.retired == retired:
            state = "retired" if retired else "in use"
            raise ValidationError({"retired": f"{supplier.reference} is already {state}."})
        supplier.retired = retired
        _bump(supplier)
        _record(
            ctx,
            supplier,
            "retire" if retired else "reinstate",
            {"retired": not retired},
            {"retired": retired},
            version=supplier.version,
            reason=reason,
        )
    return supplier


def _bump(supplier: Supplier) -> None:
    """Save the changed supplier as a new version."""
    supplier.version += 1
    supplier.updated_at = timezone.now()
    supplier.save()


def _record(ctx: OrgContext, supplier: Supplier, action: str, before, after, **extra) -> None:
    record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(supplier.uid),
        action=action,
        before=before,
        after=after,
        reference=supplier.reference,
        **extra,
    )


def _locked(ctx: OrgContext, supplier: Supplier) -> Supplier:
    return (
        Supplier.objects.for_org(ctx.org)
        .select_for_update(of=("self",))
        .select_related("owner", "asset")
        .get(pk=supplier.pk)
    )


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


def _apply(
    ctx: OrgContext, supplier: Supplier, data: Mapping[str, Any], *, creating: bool
) -> list[Risk] | None:
    """Set ``supplier``'s fields from ``data``; returns the risks to link (``None`` when
    ``data`` does not name them). Every problem is reported at once, by field."""
    errors: dict[str, str] = {}

    def text(name: str, label: str, max_length: int, required: bool = False) -> None:
        if not (name in data or (creating and required)):
            return
        try:
            if required:
                value = require_text(data, name, label, max_length)
            else:
                value = clean_text(data.get(name))
                if len(value) > max_length:
                    raise ValidationError({name: f"{label} is at most {max_length} characters."})
        except ValidationError as exc:
            errors[name] = _first(exc, name, f"{label} must be text.")
        else:
            setattr(supplier, name, value)

    text("name", "The supplier's name", 200, required=True)
    if "name" not in errors and (creating or "name" in data):
        clash = Supplier.objects.for_org(ctx.org).filter(name__iexact=supplier.name)
        if clash.exclude(pk=supplier.pk).exists():
            errors["name"] = f"A supplier named {supplier.name!r} is already in the register."
    text("service", "The service the supplier provides", 300, required=True)
    text("data_shared", "The data shared", 10_000)
    text("contract", "The contract", 300)
    text("security_clauses", "The security clauses", 10_000)
    if creating or "criticality" in data:
        value = data.get("criticality")
        if value not in Criticality.values:
            labels = ", ".join(str(label).lower() for label in Criticality.labels)
            errors["criticality"] = f"Choose the supplier's criticality: {labels}."
        else:
            supplier.criticality = value
    if "owner" in data:
        owner = data["owner"]
        if owner is not None and (
            getattr(owner, "pk", None) is None or not is_member(ctx.org, owner)
        ):
            errors["owner"] = "The supplier's owner must be a member of the organization."
        else:
            supplier.owner = owner
    if "review_date" in data:
        supplier.review_date = _date(data["review_date"], "review_date", "The review date", errors)
    if "asset" in data:
        asset = _asset(ctx, supplier, data["asset"], errors)
        if "asset" not in errors:
            supplier.asset = asset
    risks = _risks(ctx, data["risks"], errors) if "risks" in data else None
    if errors:
        raise ValidationError(errors)
    return risks


def _first(exc: ValidationError, name: str, default: str) -> str:
    if hasattr(exc, "error_dict") and name in exc.message_dict:
        return exc.message_dict[name][0]
    return default


def _date(value: Any, name: str, label: str, errors: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        errors[name] = f"{label} must be a date, YYYY-MM-DD, without a time."
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = f"{label} must be a date, YYYY-MM-DD, not {value!r}."
        return None


def _asset(ctx: OrgContext, supplier: Supplier, value: Any, errors: dict[str, str]):
    """The asset standing for the supplier in the inventory (an ``Asset`` or its reference),
    of the kind supplier and not standing for another supplier; ``None`` to unlink."""
    if value in (None, ""):
        return None
    assets = Asset.objects.for_org(ctx.org)
    if isinstance(value, Asset):
        asset = assets.filter(pk=value.pk).first()
    else:
        match = ASSET_REFERENCE.match(str(value))
        asset = assets.filter(number=int(match.group(1))).first() if match else None
    if asset is None:
        errors["asset"] = f"{value} is not an asset of the organization's inventory."
        return None
    if asset.kind != AssetKind.SUPPLIER:
        errors["asset"] = (
            f"{asset.reference} {asset.name} is a {asset.get_kind_display().lower()} asset: "
            "link an asset of the kind Supplier."
        )
        return None
    other = Supplier.objects.filter(asset=asset).exclude(pk=supplier.pk).first()
    if other is not None:
        errors["asset"] = f"{asset.reference} already stands for {other.reference} {other.name}."
        return None
    return asset


def _risks(ctx: OrgContext, values: Any, errors: dict[str, str]) -> list[Risk]:
    """Risks of the organization, given as ``Risk`` objects or references (``R-0003``)."""
    if values in (None, ""):
        return []
    if isinstance(values, (str, Risk)):
        values = [values]
    numbers: set[int] = set()
    unknown: list[str] = []
    for value in values:
        if isinstance(value, Risk):
            if value.organization_id == ctx.org.pk:
                numbers.add(value.number)
            else:
                unknown.append(value.reference)
            continue
        match = RISK_REFERENCE.match(str(value))
        if match:
            numbers.add(int(match.group(1)))
        else:
            unknown.append(str(value))
    found = list(Risk.objects.for_org(ctx.org).filter(number__in=numbers).order_by("number"))
    unknown += [f"R-{n:04d}" for n in sorted(numbers - {r.number for r in found})]
    if unknown:
        errors["risks"] = f"Not risks of the organization's register: {', '.join(unknown)}."
    return found


# --- assessments -------------------------------------------------------------------------------


def record_assessment(
    ctx: OrgContext,
    supplier: Supplier,
    data: Mapping[str, Any],
    *,
    upload: Upload | None = None,
) -> SupplierAssessment:
    """Record an assessment of ``supplier``: ``kind``, ``assessed_on`` (not in the future),
    ``result``, ``expires_on`` (required for a certificate or report, after the assessment),
    ``notes``, and optionally ``next_review``, the supplier's next review date. ``upload`` is
    stored as evidence (linked to A.5.22) and linked to the assessment."""
    ctx.require(MANAGE)
    _reject_unknown(data, ASSESSMENT_FIELDS)
    values = _assessment_values(data)
    with transaction.atomic():
        supplier = _locked(ctx, supplier)
        if supplier.retired:
            raise ValidationError(
                {"supplier": f"{supplier.reference} is retired: reinstate it to assess it."}
            )
        assessment = SupplierAssessment(
            organization=ctx.org,
            supplier=supplier,
            kind=values["kind"],
            assessed_on=values["assessed_on"],
            expires_on=values["expires_on"],
            result=values["result"],
            notes=values["notes"],
            recorded_by=ctx.user,
        )
        if upload is not None:
            assessment.evidence = _store(ctx, supplier, assessment, upload).evidence
        assessment.save()
        before, after = None, assessment_snapshot(assessment)
        if "next_review" in data and values["next_review"] != supplier.review_date:
            before = {"review_date": snapshot(supplier)["review_date"]}
            supplier.review_date = values["next_review"]
            _bump(supplier)
            after["review_date"] = snapshot(supplier)["review_date"]
        _record(
            ctx,
            supplier,
            "record_assessment",
            before,
            after,
            version=supplier.version,
            assessment=str(assessment.uid),
        )
    return assessment


def _assessment_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The assessment's values from ``data``, checked; every problem reported at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    kind = data.get("kind")
    if kind not in SupplierAssessmentKind.values:
        labels = "; ".join(str(label) for label in SupplierAssessmentKind.labels)
        errors["kind"] = f"Choose what kind of assessment it was: {labels}."
    values["kind"] = kind
    result = data.get("result")
    if result not in SupplierAssessmentResult.values:
        labels = "; ".join(str(label).lower() for label in SupplierAssessmentResult.labels)
        errors["result"] = f"Choose the assessment's result: {labels}."
    values["result"] = result
    assessed = _date(data.get("assessed_on"), "assessed_on", "The assessment date", errors)
    if assessed is None and "assessed_on" not in errors:
        errors["assessed_on"] = "Give the date of the assessment (YYYY-MM-DD)."
    elif assessed is not None and assessed > timezone.localdate():
        errors["assessed_on"] = "The assessment date cannot be in the future."
    values["assessed_on"] = assessed
    expires = _date(data.get("expires_on"), "expires_on", "The expiry date", errors)
    if expires is None and kind in CERTIFICATES and "expires_on" not in errors:
        label = SupplierAssessmentKind(kind).label
        errors["expires_on"] = (
            f"A {label} stops counting on a date: give its expiry date (for a report, when the "
            "next one is due)."
        )
    elif expires is not None and assessed is not None and expires <= assessed:
        errors["expires_on"] = "The expiry date must be after the assessment date."
    values["expires_on"] = expires
    try:
        values["notes"] = clean_text(data.get("notes"))
    except ValidationError:
        errors["notes"] = "The notes must be text."
    else:
        if len(values["notes"]) > 10_000:
            errors["notes"] = "The notes are at most 10,000 characters."
    values["next_review"] = _date(
        data.get("next_review"), "next_review", "The next review date", errors
    )
    if errors:
        raise ValidationError(errors)
    return values


def _store(ctx: OrgContext, supplier: Supplier, assessment: SupplierAssessment, upload: Upload):
    """Store ``upload`` as evidence of the assessment; a refused file names the field."""
    from annexa.catalog.models import Control
    from annexa.evidence import services as evidence
    from annexa.evidence.errors import EvidenceError

    valid_days = None
    if assessment.expires_on is not None:
        valid_days = min(
            (assessment.expires_on - assessment.assessed_on).days, evidence.MAX_VALID_DAYS
        )
    controls = [EVIDENCE_CONTROL] if Control.objects.filter(pk=EVIDENCE_CONTROL).exists() else []
    try:
        return evidence.store(
            ctx,
            filename=upload.filename,
            chunks=upload.chunks,
            path=Path(upload.path) if upload.path is not None else None,
            title=f"{supplier.name}: {assessment.get_kind_display()} of {assessment.assessed_on}",
            description=f"Assessment of the supplier {supplier.reference} {supplier.name}.",
            controls=controls,
            effective_date=assessment.assessed_on,
            valid_days=valid_days,
        )
    except EvidenceError as exc:
        raise ValidationError({"file": f"The file was not stored: {exc}."}) from exc


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """Where a supplier's latest certificate stands: ``state`` is ``none``, ``valid``,
    ``expiring`` or ``expired``; ``text`` says it in words."""

    state: str
    text: str
    assessment: SupplierAssessment | None = None
    days_left: int | None = None

    @property
    def needs_attention(self) -> bool:
        return self.state in ("expiring", "expired")


def latest_certificate(supplier: Supplier) -> SupplierAssessment | None:
    """The supplier's latest assessment of a certificate kind (``CERTIFICATES``): the one
    assessed last, and of those the one recorded last. Uses prefetched assessments."""
    certificates = [a for a in supplier.assessments.all() if a.kind in CERTIFICATES]
    if not certificates:
        return None
    return max(certificates, key=lambda a: (a.assessed_on, a.recorded_at, a.pk or 0))


def certificate_status(
    assessment: SupplierAssessment | None,
    today: dt.date | None = None,
    days: int = EXPIRY_WARNING_DAYS,
) -> CertificateStatus:
    if assessment is None:
        return CertificateStatus("none", "No certificate or report recorded")
    today = today or timezone.localdate()
    label = assessment.get_kind_display()
    expires = assessment.expires_on
    if expires is None:
        return CertificateStatus("valid", f"{label} of {assessment.assessed_on}", assessment)
    left = (expires - today).days
    if left < 0:
        return CertificateStatus("expired", f"{label} expired {expires}", assessment, left)
    if left <= days:
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        return CertificateStatus(
            "expiring", f"{label} expires {expires} ({when})", assessment, left
        )
    return CertificateStatus("valid", f"{label} valid until {expires}", assessment, left)


def status_of(supplier: Supplier, today: dt.date | None = None) -> CertificateStatus:
    return certificate_status(latest_certificate(supplier), today)


def is_review_overdue(supplier: Supplier, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        not supplier.retired and supplier.review_date is not None and supplier.review_date < today
    )


def register(org) -> QuerySet[Supplier]:
    """The organization's suppliers with what every list shows, and ``certificate_expires``
    (the latest certificate's expiry date) for filtering."""
    latest = (
        SupplierAssessment.objects.filter(supplier=OuterRef("pk"), kind__in=CERTIFICATES)
        .order_by("-assessed_on", "-recorded_at", "-pk")
        .values("expires_on")[:1]
    )
    return (
        Supplier.objects.for_org(org)
        .select_related("owner", "asset")
        .prefetch_related("assessments", "risks")
        .annotate(certificate_expires=Subquery(latest))
    )


CERTIFICATE_FILTERS = ("attention", "expired", "expiring", "valid", "none")
SUPPLIER_REFERENCE = re.compile(r"^\s*SUP-?0*(\d{1,9})\s*$", re.IGNORECASE)


def apply_filters(
    queryset: QuerySet[Supplier],
    *,
    criticality: str = "",
    certificate: str = "",
    review_overdue: bool = False,
    owner: str = "",
    q: str = "",
    retired: bool = False,
    today: dt.date | None = None,
    days: int = EXPIRY_WARNING_DAYS,
) -> QuerySet[Supplier]:
    """``queryset`` (from ``register``) narrowed: ``certificate`` is ``attention`` (expired
    or expiring), ``expired``, ``expiring``, ``valid`` or ``none``; ``owner`` an e-mail
    address or ``none``; retired suppliers only with ``retired``."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=days)
    if not retired:
        queryset = queryset.filter(retired=False)
    if criticality:
        queryset = queryset.filter(criticality=criticality)
    if certificate == "attention":
        queryset = queryset.filter(certificate_expires__lte=soon)
    elif certificate == "expired":
        queryset = queryset.filter(certificate_expires__lt=today)
    elif certificate == "expiring":
        queryset = queryset.filter(certificate_expires__gte=today, certificate_expires__lte=soon)
    elif certificate == "valid":
        queryset = queryset.filter(certificate_expires__gt=soon)
    elif certificate == "none":
        queryset = queryset.filter(certificate_expires__isnull=True)
    if review_overdue:
        queryset = queryset.filter(retired=False, review_date__lt=today)
    if owner.strip().lower() == "none":
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner__email__iexact=owner.strip())
    if q.strip():
        text = q.strip()
        match = Q(name__icontains=text) | Q(service__icontains=text)
        match |= Q(contract__icontains=text) | Q(data_shared__icontains=text)
        reference = SUPPLIER_REFERENCE.match(text)
        if reference:
            match |= Q(number=int(reference.group(1)))
        queryset = queryset.filter(match)
    return queryset


def certificates_due(
    org, days: int = EXPIRY_WARNING_DAYS, today: dt.date | None = None
) -> list[tuple[Supplier, CertificateStatus]]:
    """Suppliers in use whose latest certificate has expired or expires within ``days``, with
    its status, the soonest expiry first."""
    today = today or timezone.localdate()
    suppliers = apply_filters(register(org), certificate="attention", today=today, days=days)
    found = [(s, certificate_status(latest_certificate(s), today, days)) for s in suppliers]
    return sorted(found, key=lambda pair: (pair[0].certificate_expires, pair[0].number))


def overdue_reviews(org, today: dt.date | None = None) -> list[Supplier]:
    """Suppliers in use whose review date has passed, the most overdue first."""
    today = today or timezone.localdate()
    return list(
        Supplier.objects.for_org(org)
        .filter(retired=False, review_date__lt=today)
        .select_related("owner")
        .order_by("review_date", "number")
    )


def by_criticality(org) -> dict[str, int]:
    """How many suppliers in use there are of each criticality (every criticality named)."""
    counts = dict(
        Supplier.objects.for_org(org)
        .filter(retired=False)
        .values_list("criticality")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {value: counts.get(value, 0) for value in Criticality.values}


def summary(org, today: dt.date | None = None, days: int = EXPIRY_WARNING_DAYS) -> dict[str, Any]:
    """The numbers for the dashboard and the list page."""
    today = today or timezone.localdate()
    due = certificates_due(org, days, today)
    return {
        "in_use": Supplier.objects.for_org(org).filter(retired=False).count(),
        "by_criticality": by_criticality(org),
        "certificates_expired": sum(1 for _s, status in due if status.state == "expired"),
        "certificates_expiring": sum(1 for _s, status in due if status.state == "expiring"),
        "reviews_overdue": len(overdue_reviews(org, today)),
        "expiry_warning_days": days,
    }
