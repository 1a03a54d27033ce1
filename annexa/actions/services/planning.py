"""Corrective actions from creation to implementation: plan, owner, due date, root cause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.actions.choices import ActionSource, ActionStatus
from annexa.actions.models import CorrectiveAction, PlanRevision
from annexa.core.tenancy import OrgContext
from annexa.findings.choices import NONCONFORMITIES, FindingStatus
from annexa.findings.services import common
from annexa.findings.services.common import clean_text, iso
from annexa.findings.services.raising import lock as lock_finding

MANAGE = "actions.manage"
REVIEW = "actions.review"
OBJECT_TYPE = "corrective_action"
MAX_WHYS = 10
EDITABLE = (
    "title",
    "source_reference",
    "correction",
    "plan",
    "owner",
    "due_date",
    "control",
    "requirement",
)
# Once implemented, the plan is what the effectiveness review judges: it no longer changes,
# except through a review that finds it not effective.
PLAN_FROZEN = (ActionStatus.IMPLEMENTED, ActionStatus.VERIFIED_EFFECTIVE, ActionStatus.CLOSED)


# --- reading ---------------------------------------------------------------------------------


def snapshot(action: CorrectiveAction) -> dict[str, Any]:
    """The action as JSON-safe data (ledger, API, exports)."""
    return {
        "reference": action.reference,
        "title": action.title,
        "source": action.source,
        "finding": action.finding.reference if action.finding_id else None,
        "source_reference": action.source_reference,
        "control": action.control_id,
        "requirement": action.requirement_id,
        "correction": action.correction,
        "root_cause": action.root_cause,
        "five_whys": list(action.five_whys),
        "plan": action.plan,
        "plan_revision": action.plan_revision,
        "owner": common.email_of(action.owner),
        "due_date": iso(action.due_date),
        "status": action.status,
    }


def record(ctx: OrgContext, action: CorrectiveAction, verb: str, data: Mapping[str, Any]) -> None:
    common.record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(action.uid),
        action=verb,
        data={"reference": action.reference, **data},
    )


def lock(ctx: OrgContext, action: CorrectiveAction) -> CorrectiveAction:
    """The action re-read under a row lock (call inside a transaction)."""
    return (
        CorrectiveAction.objects.select_for_update(of=("self",))
        .select_related("finding", "owner", "control")
        .get(pk=action.pk, organization=ctx.org)
    )


def require_status(action: CorrectiveAction, allowed: tuple[str, ...], doing: str) -> None:
    if action.status not in allowed:
        names = " or ".join(ActionStatus(s).label.lower() for s in allowed)
        raise ValidationError(
            {
                "status": f"{action.reference} is {action.get_status_display().lower()}; you "
                f"can {doing} only while it is {names}."
            }
        )


# --- cleaning --------------------------------------------------------------------------------


def clean_owner(org, user):
    """The owner must be a member whose role may work on corrective actions."""
    from annexa.orgs.models import Membership
    from annexa.orgs.permissions import role_has

    if user is None:
        raise ValidationError({"owner": "Name the member who owns the action."})
    membership = Membership.objects.filter(organization=org, user=user).first()
    if membership is None:
        raise ValidationError({"owner": f"{user.email} is not a member of {org.name}."})
    if not role_has(membership.role, MANAGE):
        raise ValidationError(
            {
                "owner": f"{user.email} is a {membership.get_role_display().lower()} and cannot "
                "work on actions: choose an owner, ISMS manager or control owner."
            }
        )
    return user


def clean_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: f"Give a date like 2026-06-30, not {value!r}."}) from None


def clean_whys(value: object) -> list[dict[str, str]]:
    """The 5-whys chain: ``{"why", "because"}`` pairs, empty pairs dropped."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError({"five_whys": "Give the 5 whys as a list of why/because pairs."})
    pairs = []
    for number, row in enumerate(value, start=1):
        if not isinstance(row, Mapping) or set(row) - {"why", "because"}:
            raise ValidationError({"five_whys": f"Row {number}: use the keys why and because."})
        why = clean_text(row.get("why"), "five_whys", limit=2000)
        because = clean_text(row.get("because"), "five_whys", limit=2000)
        if not why and not because:
            continue
        if not why:
            raise ValidationError({"five_whys": f"Row {number}: say why before because."})
        pairs.append({"why": why, "because": because})
    if len(pairs) > MAX_WHYS:
        raise ValidationError({"five_whys": f"Keep the chain to {MAX_WHYS} rows."})
    return pairs


def _subject(model_name: str, value: object):
    from annexa.findings.services.raising import resolve_control, resolve_requirement

    return resolve_control(value) if model_name == "control" else resolve_requirement(value)


CLEANERS = {
    "title": lambda ctx, v: clean_text(v, "title", required=True, limit=200),
    "source_reference": lambda ctx, v: clean_text(v, "source_reference", limit=200),
    "correction": lambda ctx, v: clean_text(v, "correction"),
    "plan": lambda ctx, v: clean_text(v, "plan", required=True),
    "owner": lambda ctx, v: clean_owner(ctx.org, v),
    "due_date": lambda ctx, v: clean_date(v, "due_date"),
    "control": lambda ctx, v: _subject("control", v),
    "requirement": lambda ctx, v: _subject("requirement", v),
}


def _clean(ctx: OrgContext, changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in CLEANERS:
            errors[name] = ["This cannot be set here."]
            continue
        try:
            values[name] = CLEANERS[name](ctx, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict.get(name, exc.messages))
    common.combine(errors)
    return values


# --- creating and editing --------------------------------------------------------------------


def _check_finding(finding) -> None:
    if finding.grade not in NONCONFORMITIES:
        raise ValidationError(
            {
                "finding": f"{finding.reference} is not a nonconformity: it needs no "
                "corrective action."
            }
        )
    if finding.status not in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS):
        raise ValidationError(
            {
                "finding": f"{finding.reference} is {finding.get_status_display().lower()}: "
                "corrective actions answer open nonconformities."
            }
        )


def _source(finding, source: str | None) -> str:
    chosen = source or (ActionSource.FINDING if finding is not None else ActionSource.OTHER)
    if chosen not in ActionSource.values:
        raise ValidationError({"source": f"Unknown source {chosen!r}."})
    if (chosen == ActionSource.FINDING) != (finding is not None):
        raise ValidationError(
            {"source": "An action from a nonconformity names its finding, and only then."}
        )
    return chosen


def create_action(
    ctx: OrgContext,
    *,
    finding=None,
    source: str | None = None,
    root_cause: str = "",
    five_whys: object = (),
    **fields: Any,
) -> CorrectiveAction:
    """A new corrective action (status open), with its first plan revision.

    ``fields`` are those of ``EDITABLE``: ``plan``, ``owner`` and ``due_date`` are required;
    ``title``, ``control`` and ``requirement`` default to the finding's.
    """
    ctx.require(MANAGE)
    chosen = _source(finding, source)
    if finding is not None:
        common.same_org(ctx, finding, "finding")
        fields.setdefault("title", f"Correct {finding.reference}: {finding.title}"[:200])
        fields.setdefault("control", finding.control)
        fields.setdefault("requirement", finding.requirement)
    for required in ("title", "plan", "owner", "due_date"):
        fields.setdefault(required, None)
    values = _clean(ctx, fields)
    root = clean_text(root_cause, "root_cause")
    whys = clean_whys(list(five_whys or []))
    with transaction.atomic():
        if finding is not None:
            finding = lock_finding(ctx, finding)
            _check_finding(finding)
        common.lock_org(ctx.org)
        action = CorrectiveAction.objects.create(
            organization=ctx.org,
            number=common.next_number(CorrectiveAction, ctx.org),
            source=chosen,
            finding=finding,
            root_cause=root,
            five_whys=whys,
            created_by=ctx.user,
            **values,
        )
        _add_revision(ctx, action, "First plan.")
        if finding is not None:
            from annexa.findings.services import start_corrective_action

            start_corrective_action(ctx, finding, action.reference)
        record(ctx, action, "create", snapshot(action))
    return action


def _add_revision(ctx: OrgContext, action: CorrectiveAction, reason: str) -> PlanRevision:
    return PlanRevision.objects.create(
        organization=ctx.org,
        action=action,
        number=action.plan_revision,
        plan=action.plan,
        reason=reason,
        recorded_by=ctx.user,
    )


def update_action(
    ctx: OrgContext, action: CorrectiveAction, changes: Mapping[str, Any], reason: str = ""
) -> CorrectiveAction:
    """Change what the action says; a changed plan becomes a new revision (with ``reason``)."""
    ctx.require(MANAGE)
    values = _clean(ctx, changes)
    reason = clean_text(reason, "reason", limit=2000)
    with transaction.atomic():
        locked = lock(ctx, action)
        require_status(locked, tuple(s for s in ActionStatus.values if s != "closed"), "edit it")
        before = snapshot(locked)
        if "plan" in values and values["plan"] != locked.plan and locked.status in PLAN_FROZEN:
            raise ValidationError(
                {"plan": "The plan was implemented; only an effectiveness review revises it now."}
            )
        owner = values.get("owner")
        if owner is not None and owner != locked.owner and locked.status == "verified_effective":
            raise ValidationError(
                {
                    "owner": "Its effectiveness was reviewed independently of this owner: the "
                    "owner no longer changes."
                }
            )
        for name, value in values.items():
            setattr(locked, name, value)
        changed = [k for k, v in snapshot(locked).items() if v != before[k]]
        if not changed:
            return locked
        if "plan" in changed:
            locked.plan_revision += 1
            _add_revision(ctx, locked, reason or "Plan edited.")
        locked.updated_at = timezone.now()
        locked.save()
        after = snapshot(locked)
        changed = sorted(k for k in after if after[k] != before[k])
        record(
            ctx,
            locked,
            "update",
            {
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
                "reason": reason,
            },
        )
    return locked


def set_root_cause(
    ctx: OrgContext, action: CorrectiveAction, root_cause: str, five_whys: object = ()
) -> CorrectiveAction:
    """Record the root-cause analysis: free text and the 5-whys chain (both replace)."""
    ctx.require(MANAGE)
    text = clean_text(root_cause, "root_cause")
    whys = clean_whys(list(five_whys or []))
    with transaction.atomic():
        locked = lock(ctx, action)
        require_status(
            locked,
            (ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
            "change the root-cause analysis",
        )
        if text == locked.root_cause and whys == locked.five_whys:
            return locked
        before = {"root_cause": locked.root_cause, "five_whys": list(locked.five_whys)}
        locked.root_cause, locked.five_whys, locked.updated_at = text, whys, timezone.now()
        locked.save()
        after = {"root_cause": text, "five_whys": whys}
        record(ctx, locked, "root_cause", {"before": before, "after": after})
    return locked


# --- working on it ---------------------------------------------------------------------------


def start_action(ctx: OrgContext, action: CorrectiveAction) -> CorrectiveAction:
    """open → in progress."""
    ctx.require(MANAGE)
    with transaction.atomic():
        locked = lock(ctx, action)
        require_status(locked, (ActionStatus.OPEN,), "start it")
        now = timezone.now()
        locked.status, locked.started_at, locked.updated_at = ActionStatus.IN_PROGRESS, now, now
        locked.save()
        record(ctx, locked, "start", {"status": locked.status})
    return locked


def implement_action(ctx: OrgContext, action: CorrectiveAction, note: str = "") -> CorrectiveAction:
    """in progress → implemented; the root cause must be known by then (10.2 asks for it)."""
    ctx.require(MANAGE)
    note = clean_text(note, "note", limit=2000)
    with transaction.atomic():
        locked = lock(ctx, action)
        require_status(locked, (ActionStatus.IN_PROGRESS,), "mark it implemented")
        if not locked.root_cause and not locked.five_whys:
            raise ValidationError(
                {"root_cause": "Record the root cause (text or 5 whys) before implementing."}
            )
        now = timezone.now()
        locked.status, locked.implemented_at = ActionStatus.IMPLEMENTED, now
        locked.updated_at = now
        locked.save()
        record(
            ctx,
            locked,
            "implement",
            {"status": locked.status, "implemented_at": iso(now), "note": note},
        )
    return locked
