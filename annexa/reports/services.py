"""Every change the reports app makes: its settings per audit, and issuing a report.

Drafts are rendered on the fly (``draft``) and change whenever the audit does. Issuing freezes
a version: each format is rendered once, its exact bytes are stored as evidence (so the ledger
holds their SHA-256 and the next checkpoint covers them), and downloads of that version return
those bytes, never a new rendering.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annexa.audits.models import Audit
from annexa.catalog.models import Requirement
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.evidence.services import open_version
from annexa.ledger import services as ledger
from annexa.orgs.choices import Role
from annexa.reports import data, render
from annexa.reports.choices import Classification, ReportFormat
from annexa.reports.models import IssuedReport, IssuedReportFile, ReportReview, ReportSettings

OBJECT_TYPE = "report"
MANAGE = "audit.manage"  # owner and ISMS manager
CONDUCT = "audit.conduct"  # auditors; issuing also needs to be the audit's lead
REPORTED_REQUIREMENT = "9.2.2"  # the internal audit requirement the issued files evidence
SETTINGS_FIELDS = ("intended_readers", "distribution", "classification", "retention", "limitations")
LIMITS = {"intended_readers": 2_000, "distribution": 5_000, "retention": 200, "limitations": 20_000}


class ReportError(Exception):
    """A report cannot be produced or issued; the message says what to fix."""


class ReportUnavailable(ReportError):
    """The PDF could not be rendered in time (or at all): a server limit, answered with 503."""


def can_issue(ctx: OrgContext, audit: Audit) -> bool:
    """The ISMS manager (or owner) and the audit's lead auditor may issue its report."""
    if ctx.can(MANAGE):
        return True
    return ctx.can(CONDUCT) and ctx.user is not None and audit.lead_auditor == ctx.user


def require_issuer(ctx: OrgContext, audit: Audit) -> None:
    if not can_issue(ctx, audit):
        raise PermissionDenied("only the lead auditor or the ISMS manager may do this")


def _check_org(ctx: OrgContext, audit: Audit) -> None:
    if audit.organization_id != ctx.org.pk:
        raise ReportError("this audit belongs to another organization")


def draft(ctx: OrgContext, audit: Audit, report_format: str) -> tuple[bytes, str]:
    """A draft of the report in ``report_format``, freshly generated: (bytes, filename)."""
    _check_org(ctx, audit)
    _check_format(report_format)
    report = data.build(ctx, audit)
    try:
        return render.render(report, report_format), render.filename(report, report_format)
    except render.PDFUnavailable as exc:
        raise ReportUnavailable(str(exc)) from None
    except render.RenderError as exc:
        raise ReportError(str(exc)) from None


def _check_format(report_format: str) -> None:
    if report_format not in ReportFormat.values:
        raise ReportError(
            f"unknown report format {report_format!r}; use one of {', '.join(ReportFormat.values)}"
        )


def update_settings(ctx: OrgContext, audit: Audit, changes: dict[str, Any]) -> ReportSettings:
    """Change the report guidance of ``audit`` (readers, distribution, classification, …)."""
    require_issuer(ctx, audit)
    _check_org(ctx, audit)
    cleaned = _clean_settings(changes)
    with transaction.atomic():
        current = ReportSettings.objects.select_for_update().filter(audit=audit).first()
        current = current or ReportSettings.for_audit(audit)
        before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        for name, value in cleaned.items():
            setattr(current, name, value)
        after = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        if current.pk is not None and before == after:
            return current
        current.updated_by, current.updated_at = ctx.user, timezone.now()
        current.save()
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="settings",
            data={"audit": audit.reference, "before": before, "after": after},
        )
    return current


def _clean_settings(changes: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(changes) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError(f"unknown report settings: {', '.join(unknown)}")
    cleaned: dict[str, str] = {}
    for name, value in changes.items():
        if not isinstance(value, str):
            raise ValidationError({name: "Expected text."})
        text = value.replace("\r\n", "\n").strip()
        if name == "classification" and text not in Classification.values:
            raise ValidationError({name: f"Use one of {', '.join(Classification.values)}."})
        if name in LIMITS and len(text) > LIMITS[name]:
            raise ValidationError({name: f"Keep this under {LIMITS[name]:,} characters."})
        if name in ("intended_readers", "retention") and not text:
            raise ValidationError({name: "This is required."})
        cleaned[name] = text
    return cleaned


def issue(ctx: OrgContext, audit: Audit) -> IssuedReport:
    """Freeze the report of ``audit``: every format rendered once and stored as evidence.

    Rendering happens before the transaction (it can take a while); the version number is
    checked again under the audit's row lock, so two concurrent issues cannot share one.
    """
    require_issuer(ctx, audit)
    _check_org(ctx, audit)
    review = _approved_review(audit)
    issued_at = timezone.now().replace(microsecond=0)
    number = _next_number(audit)
    report = data.build(ctx, audit, at=issued_at, issue_number=number, review=review)
    try:
        bodies = {fmt: render.render(report, fmt) for fmt in ReportFormat.values}
    except render.RenderError as exc:
        raise ReportError(f"the report could not be issued: {exc}") from None
    requirements = Requirement.objects.filter(pk=REPORTED_REQUIREMENT)
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        if _next_number(locked) != number:
            raise ReportError("another version of this report was issued meanwhile; issue again")
        if _approved_review(locked).pk != review.pk:
            raise ReportError("the report's review changed meanwhile; issue again")
        issued = IssuedReport.objects.create(
            organization=ctx.org,
            audit=locked,
            number=number,
            issued_by=ctx.user,
            issued_at=issued_at,
        )
        files = {}
        for fmt, body in bodies.items():
            version = evidence.store(
                ctx,
                filename=render.filename(report, fmt),
                chunks=[body],
                title=f"{report.title}, version {number} ({ReportFormat(fmt).label})",
                description=f"Issued report of audit {locked.reference}, frozen on issue.",
                requirements=list(requirements),
                collected_at=issued_at,
                generated=True,
            )
            IssuedReportFile.objects.create(
                organization=ctx.org, report=issued, format=fmt, version=version
            )
            files[fmt] = {"evidence_version": str(version.uid), "sha256": version.sha256}
        review.report = issued
        review.save(update_fields=["report"])
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="issue",
            data={
                "audit": locked.reference,
                "report": str(issued.uid),
                "number": number,
                "issued_at": issued_at.isoformat(),
                "conclusion": report.summary.conclusion,
                "reviewed_by": review.reviewed_by.email,
                "approved_by": review.approved_by.email,
                "files": files,
            },
        )
    return issued


# --- review and approval before issue -------------------------------------------------------


def open_review(audit: Audit) -> ReportReview | None:
    """The review of the next version of ``audit``'s report, or ``None`` before it is submitted."""
    return (
        ReportReview.objects.filter(audit=audit, report__isnull=True)
        .select_related("submitted_by", "reviewed_by", "approved_by")
        .first()
    )


def _approved_review(audit: Audit) -> ReportReview:
    review = open_review(audit)
    if review is None:
        raise ReportError(
            f"the report of {audit.reference} has not been submitted for review: submit it, "
            "have the lead auditor review it and the audit programme's approver approve it"
        )
    if review.reviewed_at is None:
        raise ReportError(
            f"the report of {audit.reference} awaits the lead auditor's review; "
            "it can be issued once reviewed and approved"
        )
    if review.approved_at is None:
        raise ReportError(
            f"the report of {audit.reference} is reviewed but not approved yet: the audit "
            "programme's approver approves it before it is issued"
        )
    return review


def submit_for_review(ctx: OrgContext, audit: Audit) -> ReportReview:
    """Submit the next version of the report for review (the lead auditor or ISMS manager)."""
    require_issuer(ctx, audit)
    _check_org(ctx, audit)
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        if open_review(locked) is not None:
            raise ReportError(
                f"the report of {locked.reference} is already submitted for review; "
                "the lead auditor reviews it next"
            )
        review = ReportReview.objects.create(
            organization=ctx.org, audit=locked, submitted_by=ctx.user, submitted_at=timezone.now()
        )
        _record_step(ctx, locked, review, "submit", "submitted")
    return review


def mark_reviewed(ctx: OrgContext, audit: Audit) -> ReportReview:
    """The audit's lead auditor marks the submitted report reviewed."""
    _check_org(ctx, audit)
    lead = audit.lead_auditor
    if lead is None:
        raise PermissionDenied(
            f"{audit.reference} has no lead auditor: name one in the audit team, who then "
            "reviews the report"
        )
    if ctx.user is None or ctx.user != lead:
        raise PermissionDenied(
            f"only the lead auditor of {audit.reference} ({lead.email}) may mark its report "
            "reviewed"
        )
    return _step(ctx, audit, "review")


def approver_label(audit: Audit) -> str:
    """Who approves the report: the person who approved the audit programme, or the owners."""
    approver = audit.programme.approved_by
    return approver.email if approver else "an owner of the organization"


def _may_approve(ctx: OrgContext, audit: Audit) -> bool:
    if ctx.user is None:
        return False
    approver = audit.programme.approved_by_id
    if approver is not None:
        return ctx.user.pk == approver
    return ctx.role == Role.OWNER


def approve(ctx: OrgContext, audit: Audit) -> ReportReview:
    """The audit programme's approver approves the reviewed report; then it may be issued."""
    _check_org(ctx, audit)
    if not _may_approve(ctx, audit):
        raise PermissionDenied(
            f"only the audit programme's approver ({approver_label(audit)}) may approve the "
            f"report of {audit.reference}"
        )
    return _step(ctx, audit, "approve")


def _step(ctx: OrgContext, audit: Audit, step: str) -> ReportReview:
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        review = open_review(locked)
        if review is None:
            raise ReportError(
                f"the report of {locked.reference} has not been submitted for review yet"
            )
        now = timezone.now()
        if step == "review":
            if review.reviewed_at is not None:
                raise ReportError(f"the report of {locked.reference} is already reviewed")
            review.reviewed_by, review.reviewed_at = ctx.user, now
            fields, done = ["reviewed_by", "reviewed_at"], "reviewed"
        else:
            if review.reviewed_at is None:
                raise ReportError(
                    f"the report of {locked.reference} must be reviewed by the lead auditor "
                    "before it is approved"
                )
            if review.approved_at is not None:
                raise ReportError(f"the report of {locked.reference} is already approved")
            review.approved_by, review.approved_at = ctx.user, now
            fields, done = ["approved_by", "approved_at"], "approved"
        review.save(update_fields=fields)
        _record_step(ctx, locked, review, step, done)
    return review


def _record_step(ctx: OrgContext, audit: Audit, review: ReportReview, action: str, done: str):
    ledger.append(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(audit.uid),
        action=action,
        data={
            "audit": audit.reference,
            "review": str(review.uid),
            f"{done}_by": ctx.actor,
            f"{done}_at": getattr(review, f"{done}_at").isoformat(),
        },
    )


def closing_blockers(audit: Audit) -> list[str]:
    """What the report rules leave to do before ``audit`` closes: its report must be issued."""
    if IssuedReport.objects.filter(audit=audit).exists():
        return []
    return [
        f"The report of {audit.reference} has not been issued: issue it before the audit closes."
    ]


def _next_number(audit: Audit) -> int:
    latest = IssuedReport.objects.filter(audit=audit).aggregate(n=Max("number"))["n"]
    return (latest or 0) + 1


def issued_bytes(issued: IssuedReport, report_format: str) -> tuple[bytes, IssuedReportFile]:
    """The stored bytes of one format of an issued report, exactly as issued."""
    _check_format(report_format)
    found = issued.file(report_format)
    if found is None:
        raise ReportError(f"version {issued.number} has no {report_format} file")
    with open_version(found.version) as stream:
        return stream.read(), found


def latest_issued(audit: Audit) -> IssuedReport | None:
    return (
        IssuedReport.objects.filter(audit=audit)
        .prefetch_related("files__version")
        .order_by("-number")
        .first()
    )
