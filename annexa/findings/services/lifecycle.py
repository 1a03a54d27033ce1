"""A finding's way from draft to closed, and who may move it.

Nobody approves (opens) or closes their own finding. Independence is checked against the
people the finding is about: whoever raised it, the owner of its control (SoA control owner) or
the member responsible for its requirement, and its auditees may neither open nor close it.
A nonconformity closes once every corrective action of it is closed (verified effective); an
observation or OFI once it was acknowledged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.findings.choices import NONCONFORMITIES, FindingStatus
from annexa.findings.models import Finding
from annexa.findings.services import common
from annexa.findings.services.common import CLOSE, RAISE, RESPOND, clean_text
from annexa.findings.services.raising import lock, record

CLOSING_AUDIT_STATUSES = ("fieldwork", "reporting", "closed")


# --- independence ----------------------------------------------------------------------------


def conflicts(finding: Finding, user) -> list[str]:
    """Why ``user`` may not decide on ``finding`` (open or close it), each reading "you are
    …"; empty when they are independent."""
    from annexa.audits.services.independence import effective_requirement_owners
    from annexa.isms.models import SoAEntry

    reasons = []
    if finding.raised_by_id is not None and finding.raised_by_id == user.pk:
        reasons.append("its raiser")
    if finding.control_id:
        owned = SoAEntry.objects.for_org(finding.organization).filter(
            control_id=finding.control_id, control_owner=user
        )
        if owned.exists():
            reasons.append(f"the SoA control owner of {finding.control_id}")
    if finding.requirement_id:
        owners = effective_requirement_owners(finding.organization, [finding.requirement_id])
        owner = owners.get(finding.requirement_id)
        if owner is not None and owner[0] == user.pk:
            reasons.append(f"responsible for requirement {finding.requirement_id}")
    if finding.auditees.filter(pk=user.pk).exists():
        reasons.append("one of its auditees")
    return reasons


def _require_independent(ctx: OrgContext, finding: Finding, doing: str) -> None:
    common.require_person(ctx, doing)
    reasons = conflicts(finding, ctx.user)
    if reasons:
        raise PermissionDenied(
            f"you may not {doing} {finding.reference}: you are {' and '.join(reasons)}. "
            "Someone independent of it must do this."
        )


def require_independent_of_subject(ctx: OrgContext, finding: Finding, doing: str) -> None:
    """Changing what a finding says, or dropping it: never by the people it is about (the owner
    of its control, the member responsible for its requirement, its auditees). Its raiser may
    still edit and withdraw their own draft; once someone else opened it, a change of grade
    needs someone independent of the raiser too (``require_independent``). The system (jobs,
    the demo's provisioning) has no person to be conflicted."""
    if ctx.user is None:
        return
    reasons = [reason for reason in conflicts(finding, ctx.user) if reason != "its raiser"]
    if reasons:
        raise PermissionDenied(
            f"you may not {doing} {finding.reference}: you are {' and '.join(reasons)}. "
            "Someone independent of it must do this."
        )


def require_independent(ctx: OrgContext, finding: Finding, doing: str) -> None:
    """``doing`` needs a person independent of everyone ``finding`` is about, its raiser
    included (the rule for opening and closing)."""
    _require_independent(ctx, finding, doing)


def _require_status(finding: Finding, allowed: tuple[str, ...], doing: str) -> None:
    if finding.status not in allowed:
        names = " or ".join(FindingStatus(s).label.lower() for s in allowed)
        raise ValidationError(
            {
                "status": f"{finding.reference} is {finding.get_status_display().lower()}; you "
                f"can {doing} it only while it is {names}."
            }
        )


# --- opening, withdrawing, acknowledging -----------------------------------------------------


def opening_blockers(finding: Finding) -> list[str]:
    """What a draft still lacks before it may be opened."""
    problems = []
    if not finding.requirement_statement:
        problems.append("State the requirement in your own words.")
    if finding.is_nonconformity:
        if not finding.nature:
            problems.append(
                "Say what kind of gap it is: missing, no longer functioning or ineffective."
            )
        if not finding.evidence.exists():
            problems.append("Link the objective evidence: at least one evidence version.")
    return problems


def open_finding(ctx: OrgContext, finding: Finding) -> Finding:
    """Approve a draft: it becomes open and counts in the register."""
    ctx.require(RAISE)
    with transaction.atomic():
        locked = lock(ctx, finding)
        _require_status(locked, (FindingStatus.DRAFT,), "open")
        _require_independent(ctx, locked, "open")
        problems = opening_blockers(locked)
        if problems:
            raise ValidationError({"status": problems})
        now = timezone.now()
        locked.status, locked.opened_by, locked.opened_at = FindingStatus.OPEN, ctx.user, now
        locked.updated_at = now
        locked.save()
        record(ctx, locked, "open", {"status": locked.status})
    return locked


def withdraw_finding(ctx: OrgContext, finding: Finding, reason: str) -> Finding:
    """Drop a draft that should not become a finding (a false alarm), saying why."""
    ctx.require(RAISE)
    reason = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        locked = lock(ctx, finding)
        _require_status(locked, (FindingStatus.DRAFT,), "withdraw")
        require_independent_of_subject(ctx, locked, "withdraw")
        locked.status, locked.closure_note = FindingStatus.WITHDRAWN, reason
        locked.updated_at = timezone.now()
        locked.save()
        record(ctx, locked, "withdraw", {"status": locked.status, "reason": reason})
    return locked


def acknowledge_finding(ctx: OrgContext, finding: Finding, note: str = "") -> Finding:
    """The audited side takes note of an open observation or OFI."""
    ctx.require(RESPOND)
    common.require_person(ctx, "acknowledge a finding")
    note = clean_text(note, "note")
    with transaction.atomic():
        locked = lock(ctx, finding)
        if locked.is_nonconformity:
            raise ValidationError(
                {
                    "status": "A nonconformity is answered with a corrective action, not "
                    "acknowledged."
                }
            )
        _require_status(locked, (FindingStatus.OPEN,), "acknowledge")
        if locked.raised_by_id == ctx.user.pk:
            raise PermissionDenied("you raised this finding; the audited side acknowledges it")
        now = timezone.now()
        locked.status = FindingStatus.ACKNOWLEDGED
        locked.acknowledged_by, locked.acknowledged_at, locked.updated_at = ctx.user, now, now
        locked.save()
        record(ctx, locked, "acknowledge", {"status": locked.status, "note": note})
    return locked


def start_corrective_action(ctx: OrgContext, finding: Finding, action_reference: str) -> Finding:
    """Note that a corrective action now answers the nonconformity (called by the actions
    app, which checked its own permission)."""
    locked = lock(ctx, finding)
    if locked.grade not in NONCONFORMITIES:
        raise ValidationError({"finding": "Only a nonconformity gets a corrective action."})
    _require_status(locked, (FindingStatus.OPEN, FindingStatus.IN_PROGRESS), "act on")
    changed = locked.status != FindingStatus.IN_PROGRESS
    locked.status, locked.updated_at = FindingStatus.IN_PROGRESS, timezone.now()
    locked.save()
    record(
        ctx,
        locked,
        "corrective_action",
        {"status": locked.status, "action": action_reference, "status_changed": changed},
    )
    return locked


# --- closing ---------------------------------------------------------------------------------


def closure_blockers(finding: Finding) -> list[str]:
    """Why the finding cannot be closed yet (empty when it can)."""
    from annexa.actions.choices import ActionStatus

    if not finding.is_nonconformity:
        if finding.status != FindingStatus.ACKNOWLEDGED:
            return ["An observation or OFI is closed after the audited side acknowledged it."]
        return []
    if finding.status not in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS):
        return [f"It is {finding.get_status_display().lower()}: only open findings close."]
    actions = list(finding.corrective_actions.values_list("number", "status"))
    if not actions:
        return ["Raise a corrective action first: a nonconformity closes once it is fixed."]
    pending = [f"CA-{n:04d}" for n, status in actions if status != ActionStatus.CLOSED]
    if pending:
        return [
            f"Close its corrective actions first ({', '.join(pending)}): each needs an "
            "effectiveness review showing it worked."
        ]
    return []


def _check_closing_audit(finding: Finding, audit) -> None:
    if audit is None:
        return
    if audit.organization_id != finding.organization_id:
        raise ValidationError({"closed_in": "This audit belongs to another organization."})
    raised = finding.raised_in
    if raised is not None and (audit.pk == raised.pk or audit.planned_start < raised.planned_start):
        raise ValidationError(
            {
                "closed_in": f"Close it in a follow-up or later audit than {raised.reference}, "
                "which raised it."
            }
        )
    if audit.status not in CLOSING_AUDIT_STATUSES:
        raise ValidationError(
            {"closed_in": f"{audit.reference} has not started its fieldwork: nothing verified."}
        )


def close_finding(ctx: OrgContext, finding: Finding, *, note: str, closed_in=None) -> Finding:
    """Close the finding, saying how closure was verified; ``closed_in`` is the follow-up or
    later audit that verified it (``None`` when verified outside an audit)."""
    ctx.require(CLOSE)
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        locked = lock(ctx, finding)
        _require_independent(ctx, locked, "close")
        problems = closure_blockers(locked)
        if problems:
            raise ValidationError({"status": problems})
        _check_closing_audit(locked, closed_in)
        now = timezone.now()
        locked.status, locked.closed_by, locked.closed_at = FindingStatus.CLOSED, ctx.user, now
        locked.closed_in, locked.closure_note, locked.updated_at = closed_in, note, now
        locked.save()
        record(
            ctx,
            locked,
            "close",
            {
                "status": locked.status,
                "note": note,
                "closed_in": closed_in.reference if closed_in is not None else None,
            },
        )
    return locked
