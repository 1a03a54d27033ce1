"""Evidence requests: the audit team asks a member (usually the control owner) for evidence.

The assignee answers from the request page by uploading into the locker: the file is linked to
the item's control or requirement and to the checklist item itself, and the request is
fulfilled. An open request past its due date is overdue; the audit page, the audit's request
list and each assignee's "my requests" page show it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.audits.choices import AuditStatus, RequestStatus
from annexa.audits.models import Audit, ChecklistItem, EvidenceRequest
from annexa.audits.services import fieldwork
from annexa.audits.services.common import clean_text, email_of, iso, record, require_member
from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

OBJECT_TYPE = "evidence_request"
OPEN_STATUSES = (AuditStatus.PLANNED, AuditStatus.PREPARING, AuditStatus.FIELDWORK)
UPLOAD = "evidence.add"


# --- reading ---------------------------------------------------------------------------------


def requests_of(org) -> QuerySet[EvidenceRequest]:
    return EvidenceRequest.objects.for_org(org).select_related(
        "item__audit", "item__control", "item__requirement", "assignee", "requested_by"
    )


def overdue_filter(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(status=RequestStatus.OPEN, due_date__lt=today)


def is_overdue(request: EvidenceRequest, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(
        request.status == RequestStatus.OPEN and request.due_date and request.due_date < today
    )


def counts(audit: Audit) -> dict[str, int]:
    """Open and overdue requests of an audit (for its page)."""
    mine = EvidenceRequest.objects.filter(item__audit=audit)
    return {
        "open": mine.filter(status=RequestStatus.OPEN).count(),
        "overdue": mine.filter(overdue_filter()).count(),
    }


def default_assignee(item: ChecklistItem):
    """Who usually holds the evidence: the SoA control owner or the requirement's owner."""
    from annexa.audits.services.independence import effective_requirement_owners
    from annexa.isms.models import SoAEntry
    from annexa.orgs.models import User

    if item.control_id:
        entry = (
            SoAEntry.objects.for_org(item.organization)
            .filter(control_id=item.control_id)
            .select_related("control_owner")
            .first()
        )
        return entry.control_owner if entry else None
    owners = effective_requirement_owners(item.organization, [item.requirement_id])
    owner = owners.get(item.requirement_id)
    return User.objects.filter(pk=owner[0]).first() if owner else None


def snapshot(request: EvidenceRequest) -> dict:
    return {
        "item": str(request.item.uid),
        "subject": request.item.subject_id,
        "audit": request.item.audit.reference,
        "assignee": email_of(request.assignee),
        "description": request.description,
        "due_date": iso(request.due_date),
        "status": request.status,
    }


# --- changing --------------------------------------------------------------------------------


def create_request(
    ctx: OrgContext, item: ChecklistItem, *, assignee, description: str, due_date: dt.date | None
) -> EvidenceRequest:
    """Ask ``assignee`` for evidence about ``item`` by ``due_date``."""
    audit = item.audit
    fieldwork.require_team(ctx, audit, "request evidence")
    fieldwork.require_status(audit, OPEN_STATUSES, "request evidence")
    errors: dict[str, str] = {}
    description = clean_text(description, "description")
    if not description:
        errors["description"] = "Say which evidence you need."
    if due_date is None:
        errors["due_date"] = "Give a due date."
    elif due_date < timezone.localdate():
        errors["due_date"] = "The due date cannot be in the past."
    if item.removed:
        errors["item"] = "This item was removed: restore it first."
    if errors:
        raise ValidationError(errors)
    _check_assignee(ctx, assignee)
    with transaction.atomic():
        request = EvidenceRequest.objects.create(
            organization=ctx.org,
            item=item,
            assignee=assignee,
            description=description,
            due_date=due_date,
            requested_by=ctx.user,
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(request.uid),
            action="create",
            data=snapshot(request),
        )
    return request


def _check_assignee(ctx: OrgContext, assignee) -> None:
    from annexa.orgs.models import Membership

    require_member(ctx.org, assignee, "assignee")
    membership = Membership.objects.get(organization=ctx.org, user=assignee)
    if not membership.has(UPLOAD):
        raise ValidationError(
            {
                "assignee": f"{assignee.email} is a {membership.get_role_display().lower()} and "
                "cannot upload evidence: ask a control owner, or change their role."
            }
        )


def may_answer(ctx: OrgContext, request: EvidenceRequest) -> bool:
    """The assignee answers; the audit team may upload on their behalf."""
    if not ctx.can(UPLOAD):
        return False
    if ctx.user is not None and request.assignee_id == ctx.user.pk:
        return True
    return ctx.can(fieldwork.CONDUCT) and fieldwork.on_team(ctx, request.item.audit)


def fulfil(
    ctx: OrgContext,
    request: EvidenceRequest,
    upload: fieldwork.NewEvidence,
    *,
    note: str = "",
    complete: bool = True,
):
    """Store the uploaded evidence, link it to the item and its subject; returns the version.

    With ``complete`` (the default) the request is fulfilled; otherwise it stays open for more.
    """
    ctx.require(UPLOAD)
    if not may_answer(ctx, request):
        raise PermissionDenied("only the assignee or the audit team may answer this request")
    note = clean_text(note, "note")
    with transaction.atomic():
        locked = _lock(ctx, request)
        _require_open(locked)
        fieldwork.require_status(locked.item.audit, OPEN_STATUSES, "answer evidence requests")
        version = fieldwork.store_for_item(ctx, locked.item, upload)
        fieldwork.link_evidence(ctx, locked.item, [version])
        locked.fulfilled_evidence.add(version)
        if complete:
            locked.status = RequestStatus.FULFILLED
            locked.closed_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save()
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="fulfil" if complete else "answer",
            data={"evidence": str(version.uid), "status": locked.status, "note": note},
            blob_sha256=version.sha256,
        )
    return version


def cancel(ctx: OrgContext, request: EvidenceRequest, reason: str) -> EvidenceRequest:
    """Withdraw an open request, saying why (the evidence was found elsewhere, …)."""
    fieldwork.require_team(ctx, request.item.audit, "cancel evidence requests")
    reason = clean_text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why the request is cancelled."})
    with transaction.atomic():
        locked = _lock(ctx, request)
        _require_open(locked)
        locked.status = RequestStatus.CANCELLED
        locked.closed_at = locked.updated_at = timezone.now()
        locked.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="cancel",
            data={"reason": reason},
        )
    return locked


def _lock(ctx: OrgContext, request: EvidenceRequest) -> EvidenceRequest:
    return (
        EvidenceRequest.objects.select_for_update(of=("self",))
        .select_related("item__audit", "assignee")
        .get(pk=request.pk, organization=ctx.org)
    )


def _require_open(request: EvidenceRequest) -> None:
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            {"status": f"This request is {request.get_status_display().lower()} already."}
        )
