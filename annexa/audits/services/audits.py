"""Audits: creating, editing, scoping, deleting, moving through their states.

Statuses only move forward, one step at a time (planned → preparing → fieldwork → reporting →
closed); a manager may reopen an audit to an earlier status with a reason. Leaving "preparing"
needs a lead auditor and no unjustified independence conflict. Changing the plan of an approved
programme (scope, adding or deleting an audit) withdraws the approval: the coverage that was
approved no longer holds, so it must be approved again. Copying into the next cycle lives in
``services.next_cycle``; the scope's data shape in ``services.scope``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.audits.choices import (
    AUDIT_STATUS_ORDER,
    AuditKind,
    AuditOrigin,
    AuditStatus,
    ProgrammeStatus,
    TeamRole,
)
from annexa.audits.models import Audit, AuditProgramme
from annexa.audits.services import independence
from annexa.audits.services.common import (
    CONDUCT,
    MANAGE,
    clean_text,
    email_of,
    is_member,
    iso,
    lock_org,
    record,
    reject_unknown,
)
from annexa.audits.services.scope import Scope, check_scope, replace_rows, write_scope
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "audit"
PREFIX = "IA"
REFERENCE = re.compile(r"^IA-(\d{4})-(\d{2,})$")
EDITABLE = (
    "title",
    "kind",
    "objectives",
    "criteria",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "limitations",
    "auditees",
)
SCOPE_STATUSES = (AuditStatus.PLANNED, AuditStatus.PREPARING)
_CLOSE_CHECKS: list[Callable[[Audit], list[str]]] = []


# --- reading ---------------------------------------------------------------------------------


def find(org, reference: str) -> Audit:
    """An audit by reference (``IA-2026-01``) or uid; ``Audit.DoesNotExist`` otherwise."""
    queryset = Audit.objects.for_org(org)
    text = reference.strip()
    if REFERENCE.match(text.upper()):
        return queryset.get(reference=text.upper())
    try:
        return queryset.get(uid=text)
    except (ValidationError, ValueError):
        raise Audit.DoesNotExist(f"no audit {reference!r}") from None


def snapshot(audit: Audit) -> dict[str, Any]:
    """The audit as JSON-safe data, for the ledger, the API and the CLI."""
    return {
        "uid": str(audit.uid),
        "reference": audit.reference,
        "programme": str(audit.programme.uid),
        "title": audit.title,
        "kind": audit.kind,
        "status": audit.status,
        "objectives": audit.objectives,
        "criteria": audit.criteria,
        "planned_start": iso(audit.planned_start),
        "planned_end": iso(audit.planned_end),
        "actual_start": iso(audit.actual_start),
        "actual_end": iso(audit.actual_end),
        "limitations": audit.limitations,
        "milestone": audit.milestone.kind if audit.milestone_id else None,
        "requirements": sorted(audit.scope_requirements.values_list("requirement_id", flat=True)),
        "controls": sorted(audit.scope_controls.values_list("control_id", flat=True)),
        "units": sorted(str(u) for u in audit.units.values_list("uid", flat=True)),
        "team": [
            {"auditor": m.user.email, "role": m.role}
            for m in audit.team_members.select_related("user").order_by("role", "user__email")
        ],
        "auditees": sorted(audit.auditees.values_list("email", flat=True)),
    }


# --- references ------------------------------------------------------------------------------


def next_reference(org, year: int) -> str:
    """The next free ``IA-<year>-<nn>`` of the organization (call with the org locked)."""
    taken = Audit.objects.for_org(org).filter(reference__startswith=f"{PREFIX}-{year}-")
    numbers = [
        int(m.group(2))
        for r in taken.values_list("reference", flat=True)
        if (m := REFERENCE.match(r))
    ]
    return f"{PREFIX}-{year}-{max(numbers, default=0) + 1:02d}"


# --- creating --------------------------------------------------------------------------------


def create_audit(
    ctx: OrgContext,
    programme: AuditProgramme,
    *,
    title: str,
    planned_start: dt.date,
    planned_end: dt.date,
    kind: str = AuditKind.INTERNAL_PARTIAL,
    objectives: str = "",
    criteria: str | None = None,
    scope: Scope | None = None,
    origin: str = AuditOrigin.MANUAL,
    milestone=None,
    copied_from: Audit | None = None,
) -> Audit:
    """Add an audit to ``programme`` with its scope; the reference is assigned here."""
    ctx.require(MANAGE)
    _same_org(ctx, programme)
    audit = Audit(
        organization=ctx.org,
        programme=programme,
        title=clean_text(title, "title"),
        kind=kind,
        objectives=clean_text(objectives, "objectives"),
        criteria=clean_text(criteria, "criteria") if criteria is not None else programme.criteria,
        planned_start=planned_start,
        planned_end=planned_end,
        origin=origin,
        milestone=milestone,
        copied_from=copied_from,
        created_by=ctx.user,
    )
    _validate(audit)
    scope = scope or Scope()
    check_scope(ctx, scope)
    with transaction.atomic():
        lock_org(ctx.org)
        audit.reference = next_reference(ctx.org, planned_start.year)
        audit.save()
        write_scope(audit, scope)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="create",
            data={"after": snapshot(audit), "origin": origin},
        )
        if origin != AuditOrigin.PLANNER:
            plan_changed(ctx, programme, f"{audit.reference} was added")
    return audit


def _same_org(ctx: OrgContext, obj) -> None:
    if obj.organization_id != ctx.org.pk:
        raise ValidationError({"programme": "Choose a programme of this organization."})


def _validate(audit: Audit) -> None:
    errors: dict[str, str] = {}
    if not audit.title:
        errors["title"] = "Give the audit a title."
    if audit.kind not in AuditKind.values:
        errors["kind"] = f"Unknown type {audit.kind!r}; use one of {', '.join(AuditKind.values)}."
    if not isinstance(audit.planned_start, dt.date) or not isinstance(audit.planned_end, dt.date):
        errors["planned_start"] = "Give planned start and end dates."
    elif audit.planned_end < audit.planned_start:
        errors["planned_end"] = "The planned end cannot be before the planned start."
    else:
        programme = audit.programme
        if not programme.start_date <= audit.planned_start <= programme.end_date:
            errors["planned_start"] = (
                f"Plan the audit within the programme's cycle ({programme.start_date:%Y-%m-%d} "
                f"to {programme.end_date:%Y-%m-%d})."
            )
    if audit.actual_start and audit.actual_end and audit.actual_end < audit.actual_start:
        errors["actual_end"] = "The actual end cannot be before the actual start."
    if errors:
        raise ValidationError(errors)


# --- editing ---------------------------------------------------------------------------------


def _lock(audit: Audit) -> Audit:
    """Lock the audit's row and bring ``audit``'s state fields up to date with it.

    Callers may hold an instance read before someone else moved the audit on.
    """
    stored = Audit.objects.select_for_update().get(pk=audit.pk)
    audit.status = stored.status
    audit.actual_start, audit.actual_end = stored.actual_start, stored.actual_end
    return audit


def update_audit(ctx: OrgContext, audit: Audit, changes: Mapping[str, Any]) -> Audit:
    """Change the audit's fields (not scope, team or status: those have their own functions)."""
    ctx.require(MANAGE)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        if _lock(audit).status == AuditStatus.CLOSED:
            message = f"{audit.reference} is closed; reopen it to edit it."
            raise ValidationError({"status": message})
        before = snapshot(audit)
        auditees = changes.get("auditees")
        for name, value in changes.items():
            if name == "auditees":
                continue
            text = name in ("title", "kind", "objectives", "criteria", "limitations")
            setattr(audit, name, clean_text(value, name) if text else value)
        _validate(audit)
        audit.save()
        if auditees is not None:
            _set_auditees(ctx, audit, auditees)
        after = snapshot(audit)
        changed = [k for k in after if before[k] != after[k]]
        if changed:
            record(
                ctx,
                object_type=OBJECT_TYPE,
                object_id=str(audit.uid),
                action="update",
                data={
                    "before": {k: before[k] for k in changed},
                    "after": {k: after[k] for k in changed},
                },
            )
    return audit


def _set_auditees(ctx: OrgContext, audit: Audit, users: Sequence) -> None:
    strangers = [u.email for u in users if not is_member(ctx.org, u)]
    if strangers:
        raise ValidationError({"auditees": f"Not members: {', '.join(strangers)}."})
    audit.auditees.set(users)


def set_scope(ctx: OrgContext, audit: Audit, scope: Scope) -> Audit:
    """Replace the audit's scope; kept items keep their reasons, new ones get ``scope``'s."""
    ctx.require(MANAGE)
    check_scope(ctx, scope, kept=audit.scope_controls.values_list("control_id", flat=True))
    with transaction.atomic():
        if _lock(audit).status not in SCOPE_STATUSES:
            raise ValidationError(
                {
                    "scope": "The scope can change only while the audit is planned or preparing "
                    f"({audit.reference} is {audit.get_status_display().lower()})."
                }
            )
        before = snapshot(audit)
        replace_rows(audit.scope_requirements, "requirement_id", scope.requirements, audit, scope)
        replace_rows(audit.scope_controls, "control_id", scope.controls, audit, scope)
        replace_rows(audit.scope_units, "unit", dict(scope.units), audit, scope)
        after = snapshot(audit)
        changed = [k for k in ("requirements", "controls", "units") if before[k] != after[k]]
        if not changed:
            return audit
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="scope",
            data={
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
            },
        )
        independence.refresh(audit, ctx)
        plan_changed(ctx, audit.programme, f"the scope of {audit.reference} changed")
    return audit


def delete_audit(ctx: OrgContext, audit: Audit) -> None:
    """Remove an audit that has not started (still planned) from its programme."""
    ctx.require(MANAGE)
    with transaction.atomic():
        if _lock(audit).status != AuditStatus.PLANNED:
            raise ValidationError(
                {
                    "status": f"{audit.reference} has started "
                    f"({audit.get_status_display().lower()}); only planned audits can be removed."
                }
            )
        before = snapshot(audit)
        programme = audit.programme
        audit.delete()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=before["uid"],
            action="delete",
            data={"before": before},
        )
        plan_changed(ctx, programme, f"{before['reference']} was removed")


def plan_changed(ctx: OrgContext, programme: AuditProgramme, cause: str) -> None:
    """An approved programme whose plan changed goes back to draft, saying why.

    Reads the stored row: ``programme`` may be an instance loaded before the approval.
    """
    stored = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    if stored.status != ProgrammeStatus.APPROVED:
        return
    before = {
        "status": stored.status,
        "approved_by": email_of(stored.approved_by),
        "approved_at": iso(stored.approved_at),
    }
    for instance in (stored, programme):
        instance.status = ProgrammeStatus.DRAFT
        instance.approved_by = None
        instance.approved_at = None
    stored.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record(
        ctx,
        object_type="audit_programme",
        object_id=str(programme.uid),
        action="approval_withdrawn",
        data={"before": before, "cause": cause},
    )


# --- status ----------------------------------------------------------------------------------


def next_status(status: str) -> str | None:
    index = AUDIT_STATUS_ORDER.index(status)
    return AUDIT_STATUS_ORDER[index + 1] if index + 1 < len(AUDIT_STATUS_ORDER) else None


def blockers(audit: Audit, to_status: str) -> list[str]:
    """Why ``audit`` cannot move to ``to_status`` now (empty when it can)."""
    if to_status != next_status(audit.status):
        following = next_status(audit.status)
        where = f"the next status is {following}" if following else "it is closed"
        return [
            f"{audit.reference} is {audit.status}: {where}. Statuses move forward one step at "
            "a time; an ISMS manager can reopen an audit."
        ]
    if to_status == AuditStatus.CLOSED:
        return closing_blockers(audit)
    if audit.status != AuditStatus.PREPARING:
        return []
    problems = []
    if not audit.team_members.filter(role=TeamRole.LEAD).exists():
        problems.append("Name a lead auditor before fieldwork starts.")
    for conflict in independence.unjustified(audit):
        problems.append(
            f"Independence conflict: {conflict.user.email} {conflict.conflict.description}. "
            "Change the team or record a justification."
        )
    return problems


def register_close_check(check: Callable[[Audit], list[str]]) -> None:
    """Add a rule an audit must meet before it closes (``check`` says what is missing).

    Apps above audits register theirs when Django starts: the reports app requires an issued
    report.
    """
    if check not in _CLOSE_CHECKS:
        _CLOSE_CHECKS.append(check)


def closing_blockers(audit: Audit) -> list[str]:
    """Why ``audit`` cannot close yet: nonconformities without their finding, and the checks
    registered by the apps above (an issued report)."""
    from annexa.audits.services.fieldwork import unraised_nonconformities

    problems = [
        f"{item.subject_id} (item {item.order}): {why} but no nonconformity was raised from "
        "it: raise its finding before the audit closes."
        for item, why in unraised_nonconformities(audit)
    ]
    for check in _CLOSE_CHECKS:
        problems += check(audit)
    return problems


def transition(ctx: OrgContext, audit: Audit, to_status: str) -> Audit:
    """Move the audit one step forward; refused with the reasons when it may not."""
    ctx.require(CONDUCT)
    if to_status not in AUDIT_STATUS_ORDER:
        raise ValidationError({"status": f"Unknown status {to_status!r}."})
    with transaction.atomic():
        _lock(audit)
        problems = blockers(audit, to_status)
        if problems:
            raise ValidationError({"status": problems})
        from_status = audit.status
        audit.status = to_status
        today = timezone.localdate()
        if to_status == AuditStatus.FIELDWORK and audit.actual_start is None:
            audit.actual_start = today
        if to_status == AuditStatus.REPORTING and audit.actual_end is None:
            audit.actual_end = max(today, audit.actual_start or today)
        audit.save(update_fields=["status", "actual_start", "actual_end", "updated_at"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="transition",
            data={"reference": audit.reference, "from": from_status, "to": to_status},
        )
    return audit


def reopen(ctx: OrgContext, audit: Audit, to_status: str, reason: str) -> Audit:
    """Send an audit back to an earlier status (managers only, with a reason)."""
    ctx.require(MANAGE)
    reason = clean_text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why the audit is reopened."})
    if to_status not in AUDIT_STATUS_ORDER:
        raise ValidationError({"status": f"Unknown status {to_status!r}."})
    with transaction.atomic():
        _lock(audit)
        if AUDIT_STATUS_ORDER.index(to_status) >= AUDIT_STATUS_ORDER.index(audit.status):
            raise ValidationError(
                {"status": f"Reopening goes back: choose a status before {audit.status}."}
            )
        from_status = audit.status
        audit.status = to_status
        audit.save(update_fields=["status", "updated_at"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="reopen",
            data={
                "reference": audit.reference,
                "from": from_status,
                "to": to_status,
                "reason": reason,
            },
        )
        independence.refresh(audit, ctx)
    return audit
