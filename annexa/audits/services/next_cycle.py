"""Copying an audit into the next certification cycle: same scope and team, no results."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.audits.choices import AuditOrigin, ScopeOrigin
from annexa.audits.models import Audit, AuditProgramme, AuditTeamMember
from annexa.audits.services import independence
from annexa.audits.services.audits import OBJECT_TYPE, create_audit, snapshot
from annexa.audits.services.common import MANAGE, is_member, record
from annexa.audits.services.scope import Scope
from annexa.core.tenancy import OrgContext


def following_programme(programme: AuditProgramme) -> AuditProgramme | None:
    """The organization's next programme after ``programme`` (by start date)."""
    return (
        AuditProgramme.objects.for_org(programme.organization)
        .filter(start_date__gt=programme.start_date)
        .order_by("start_date", "id")
        .first()
    )


def copy_for_next_cycle(
    ctx: OrgContext, audit: Audit, target: AuditProgramme | None = None
) -> Audit:
    """A new, planned audit in the next programme with the same scope and team, no results.

    Dates move by the distance between the two programmes' starts (kept inside the target
    cycle). Overrides are not copied: a justification holds for one audit only, so conflicts
    show again on the copy until someone justifies them anew.
    """
    ctx.require(MANAGE)
    target = target or following_programme(audit.programme)
    if target is None:
        raise ValidationError(
            {
                "programme": "There is no later programme to copy into: create the next cycle's "
                "programme first."
            }
        )
    if target.pk == audit.programme_id:
        raise ValidationError({"programme": "Copy into a different programme (the next cycle)."})
    shift = target.start_date - audit.programme.start_date
    start = min(max(audit.planned_start + shift, target.start_date), target.end_date)
    end = max(start, min(audit.planned_end + shift, target.end_date))
    source = audit.reference
    scope = Scope(
        requirements={
            r.requirement_id: f"Copied from {source}. {r.reason}".strip()
            for r in audit.scope_requirements.all()
        },
        controls={
            c.control_id: f"Copied from {source}. {c.reason}".strip()
            for c in audit.scope_controls.all()
        },
        units={
            u.unit: f"Copied from {source}. {u.reason}".strip()
            for u in audit.scope_units.select_related("unit")
        },
        origin=ScopeOrigin.COPY,
    )
    with transaction.atomic():
        copy = create_audit(
            ctx,
            target,
            title=audit.title,
            kind=audit.kind,
            objectives=audit.objectives,
            criteria=audit.criteria,
            planned_start=start,
            planned_end=end,
            scope=scope,
            origin=AuditOrigin.COPY,
            copied_from=audit,
        )
        members = audit.team_members.select_related("user")
        AuditTeamMember.objects.bulk_create(
            AuditTeamMember(audit=copy, user=m.user, role=m.role)
            for m in members
            if is_member(ctx.org, m.user)
        )
        copy.auditees.set([u for u in audit.auditees.all() if is_member(ctx.org, u)])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(copy.uid),
            action="copy",
            data={"from": str(audit.uid), "from_reference": source, "after": snapshot(copy)},
        )
        independence.refresh(copy, ctx)
    return copy
