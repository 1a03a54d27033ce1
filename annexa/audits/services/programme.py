"""Audit programmes: creating and editing them, their milestones, planning, gaps and approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.audits.choices import AuditOrigin, AuditStatus, MilestoneKind, ProgrammeStatus
from annexa.audits.models import AuditProgramme, CoverageGapReason, ExternalMilestone
from annexa.audits.models.programme import DEFAULT_CRITERIA
from annexa.audits.services import audits as audit_service
from annexa.audits.services import coverage, planner
from annexa.audits.services.common import MANAGE, clean_text, email_of, iso, record, reject_unknown
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "audit_programme"
TEXT_FIELDS = ("title", "objectives", "risks", "criteria", "methods", "resources")
EDITABLE = (*TEXT_FIELDS, "start_date", "end_date")
MAX_CYCLE_YEARS = 10


def snapshot(programme: AuditProgramme) -> dict[str, Any]:
    """The programme as JSON-safe data (without its audits), for the ledger."""
    return {
        "uid": str(programme.uid),
        "title": programme.title,
        "start_date": iso(programme.start_date),
        "end_date": iso(programme.end_date),
        **{name: getattr(programme, name) for name in TEXT_FIELDS if name != "title"},
        "status": programme.status,
        "approved_by": email_of(programme.approved_by),
        "approved_at": iso(programme.approved_at),
        "milestones": {m.kind: iso(m.date) for m in programme.milestones.order_by("date")},
    }


def default_title(start: dt.date, years: int) -> str:
    return f"Audit programme {start.year}–{start.year + years}"


# --- creating and editing --------------------------------------------------------------------


def create_programme(
    ctx: OrgContext,
    *,
    start_date: dt.date,
    years: int = 3,
    title: str = "",
    milestones: Mapping[str, dt.date] | None = None,
    **texts: str,
) -> AuditProgramme:
    """A draft programme for the cycle from ``start_date``; milestones default to usual dates.

    ``texts`` may hold objectives, risks, criteria, methods and resources.
    """
    ctx.require(MANAGE)
    reject_unknown(texts, TEXT_FIELDS)
    if not isinstance(years, int) or not 1 <= years <= MAX_CYCLE_YEARS:
        raise ValidationError({"years": f"A cycle lasts 1 to {MAX_CYCLE_YEARS} years."})
    programme = AuditProgramme(
        organization=ctx.org,
        title=clean_text(title, "title") or default_title(start_date, years),
        start_date=start_date,
        end_date=planner.cycle_end(start_date, years),
        criteria=DEFAULT_CRITERIA,
        created_by=ctx.user,
    )
    for name, value in texts.items():
        setattr(programme, name, clean_text(value, name))
    if not programme.criteria:
        programme.criteria = DEFAULT_CRITERIA
    dates = dict(planner.default_milestones(start_date))
    dates.update(milestones or {})
    _check_milestones(programme, dates)
    with transaction.atomic():
        programme.save()
        ExternalMilestone.objects.bulk_create(
            ExternalMilestone(organization=ctx.org, programme=programme, kind=k, date=d)
            for k, d in dates.items()
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="create",
            data={"after": snapshot(programme)},
        )
    return programme


def _check_milestones(programme: AuditProgramme, dates: Mapping[str, dt.date]) -> None:
    errors: dict[str, str] = {}
    for kind, day in dates.items():
        if kind not in MilestoneKind.values:
            errors[kind] = f"Unknown milestone {kind!r}; use {', '.join(MilestoneKind.values)}."
        elif not isinstance(day, dt.date):
            errors[kind] = "Give a date."
        elif not programme.start_date <= day <= programme.end_date:
            errors[kind] = (
                f"{MilestoneKind(kind).label} must fall within the cycle "
                f"({programme.start_date:%Y-%m-%d} to {programme.end_date:%Y-%m-%d})."
            )
    if errors:
        raise ValidationError(errors)


def update_programme(
    ctx: OrgContext, programme: AuditProgramme, changes: Mapping[str, Any]
) -> AuditProgramme:
    """Change the programme's texts or dates; an approved programme goes back to draft."""
    ctx.require(MANAGE)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        before = snapshot(programme)
        for name, value in changes.items():
            setattr(programme, name, clean_text(value, name) if name in TEXT_FIELDS else value)
        _validate(programme)
        after = snapshot(programme)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return programme
        programme.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="update",
            data={
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
            },
        )
        audit_service.plan_changed(ctx, programme, "the programme was edited")
    return programme


def _validate(programme: AuditProgramme) -> None:
    errors: dict[str, str] = {}
    if not programme.title:
        errors["title"] = "Give the programme a title."
    if not programme.criteria:
        errors["criteria"] = "Name the audit criteria (at least ISO/IEC 27001:2022)."
    if programme.end_date <= programme.start_date:
        errors["end_date"] = "The cycle must end after it starts."
    if errors:
        raise ValidationError(errors)
    dates = {m.kind: m.date for m in programme.milestones.all()}
    _check_milestones(programme, dates)


def set_milestone(
    ctx: OrgContext, programme: AuditProgramme, kind: str, date: dt.date | None, notes: str = ""
) -> ExternalMilestone | None:
    """Set (or with ``None`` remove) the date of one external audit."""
    ctx.require(MANAGE)
    if date is not None:
        _check_milestones(programme, {kind: date})
    elif kind not in MilestoneKind.values:
        raise ValidationError({kind: f"Unknown milestone {kind!r}."})
    with transaction.atomic():
        current = programme.milestones.filter(kind=kind).first()
        before = iso(current.date) if current else None
        milestone = None
        if date is None:
            programme.milestones.filter(kind=kind).delete()
        else:
            milestone, _ = ExternalMilestone.objects.update_or_create(
                programme=programme,
                kind=kind,
                defaults={"organization": ctx.org, "date": date, "notes": clean_text(notes)},
            )
        if before != iso(date):
            record(
                ctx,
                object_type=OBJECT_TYPE,
                object_id=str(programme.uid),
                action="milestone",
                data={"kind": kind, "before": before, "after": iso(date)},
            )
            audit_service.plan_changed(ctx, programme, f"the {kind} milestone moved")
    return milestone


def delete_programme(ctx: OrgContext, programme: AuditProgramme) -> None:
    """Delete a programme none of whose audits has started."""
    ctx.require(MANAGE)
    started = programme.audits.exclude(status=AuditStatus.PLANNED)
    if started.exists():
        references = ", ".join(started.values_list("reference", flat=True))
        raise ValidationError({"programme": f"Audits have started ({references}); keep it."})
    with transaction.atomic():
        before = snapshot(programme)
        before["audits"] = list(programme.audits.values_list("reference", flat=True))
        programme.delete()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=before["uid"],
            action="delete",
            data={"before": before},
        )


# --- planning --------------------------------------------------------------------------------


def plan_programme(ctx: OrgContext, programme: AuditProgramme) -> AuditProgramme:
    """Replace the programme's audits with the planner's proposal (only before any started)."""
    ctx.require(MANAGE)
    started = programme.audits.exclude(status=AuditStatus.PLANNED)
    if started.exists():
        raise ValidationError(
            {
                "programme": "The plan is under way ("
                + ", ".join(started.values_list("reference", flat=True))
                + " started): edit its audits one by one instead of planning again."
            }
        )
    milestones = [planner.MilestoneDate(m.kind, m.date, m.pk) for m in programme.milestones.all()]
    plan = planner.propose(ctx.org, programme.start_date, programme.end_date, milestones)
    with transaction.atomic():
        removed = list(programme.audits.values_list("reference", flat=True))
        programme.audits.all().delete()
        created = [_create_from_slot(ctx, programme, slot) for slot in plan.slots]
        programme.plan_basis = plan.basis()
        programme.planned_at = timezone.now()
        programme.save(update_fields=["plan_basis", "planned_at", "updated_at"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="plan",
            data={
                "removed": removed,
                "audits": [a.reference for a in created],
                "basis": programme.plan_basis,
                "coverage": coverage.compute(programme).summary(),
            },
        )
        audit_service.plan_changed(ctx, programme, "the plan was generated again")
    return programme


def _create_from_slot(ctx: OrgContext, programme: AuditProgramme, slot: planner.Slot):
    milestone = (
        programme.milestones.filter(pk=slot.milestone.pk).first() if slot.milestone else None
    )
    scope = audit_service.Scope(
        requirements=slot.requirements,
        controls=slot.controls,
        units=dict(slot.units),
        origin="planner",
    )
    return audit_service.create_audit(
        ctx,
        programme,
        title=slot.title,
        kind=slot.kind,
        objectives=slot.objectives,
        planned_start=slot.planned_start,
        planned_end=slot.planned_end,
        scope=scope,
        origin=AuditOrigin.PLANNER,
        milestone=milestone,
    )


# --- gaps and approval -----------------------------------------------------------------------


def record_gap_reason(
    ctx: OrgContext, programme: AuditProgramme, item_id: str, reason: str
) -> CoverageGapReason:
    """Explain why a gap (an item no audit covers) is acceptable; replaces an earlier reason."""
    return record_gap_reasons(ctx, programme, [item_id], reason)[0]


def record_gap_reasons(
    ctx: OrgContext, programme: AuditProgramme, item_ids: list[str], reason: str
) -> list[CoverageGapReason]:
    """The same reason for several gaps at once (e.g. every gap still without one)."""
    ctx.require(MANAGE)
    reason = clean_text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why this item is not audited in the cycle."})
    if not item_ids:
        raise ValidationError({"item": "Choose at least one gap."})
    gaps = {g.id for g in coverage.compute(programme).gaps}
    strangers = [i for i in item_ids if i not in gaps]
    if strangers:
        raise ValidationError({"item": f"Not a gap of this programme: {', '.join(strangers)}."})
    with transaction.atomic():
        saved = [_save_gap_reason(ctx, programme, item_id, reason) for item_id in item_ids]
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="gap_reason",
            data={"items": list(item_ids), "reason": reason},
        )
    return saved


def _save_gap_reason(
    ctx: OrgContext, programme: AuditProgramme, item_id: str, reason: str
) -> CoverageGapReason:
    field = "control_id" if coverage.item_kind(item_id) == coverage.CONTROL else "requirement_id"
    gap, _ = CoverageGapReason.objects.update_or_create(
        programme=programme,
        **{field: item_id},
        defaults={
            "organization": ctx.org,
            "reason": reason,
            "recorded_by": ctx.user,
            "recorded_at": timezone.now(),
        },
    )
    return gap


def delete_gap_reason(ctx: OrgContext, gap: CoverageGapReason) -> None:
    ctx.require(MANAGE)
    with transaction.atomic():
        programme = gap.programme
        item_id = gap.item_id
        gap.delete()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="gap_reason_delete",
            data={"item": item_id},
        )
        audit_service.plan_changed(ctx, programme, f"the reason for the gap {item_id} was removed")


def approve_programme(ctx: OrgContext, programme: AuditProgramme) -> AuditProgramme:
    """Approve the programme as the acting member; refused while a gap has no reason."""
    ctx.require(MANAGE)
    if ctx.user is None:
        raise ValidationError({"approved_by": "Approval needs a person: sign in to approve."})
    with transaction.atomic():
        programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
        if programme.status == ProgrammeStatus.APPROVED:
            raise ValidationError({"status": "The programme is already approved."})
        matrix = coverage.compute(programme)
        if not matrix.audits:
            raise ValidationError({"status": "Plan at least one audit before approving."})
        missing = matrix.unexplained_gaps
        if missing:
            listed = ", ".join(item.id for item in missing)
            raise ValidationError(
                {
                    "gaps": [
                        f"{len(missing)} item(s) are audited in no audit of the cycle and have "
                        f"no recorded reason: {listed}. Add them to an audit or record why."
                    ]
                }
            )
        programme.status = ProgrammeStatus.APPROVED
        programme.approved_by = ctx.user
        programme.approved_at = timezone.now()
        programme.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(programme.uid),
            action="approve",
            data={
                "approved_by": ctx.user.email,
                "approved_at": iso(programme.approved_at),
                "coverage": matrix.summary(),
                "accepted_gaps": {g.id: matrix.reasons[g.id].reason for g in matrix.gaps},
            },
        )
    return programme
