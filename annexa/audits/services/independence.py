"""Auditor independence: who owns what, the audit team, conflicts and justified overrides.

An auditor may not audit a control they own (SoA control owner), a unit they manage
(``OrgUnit.manager``) or a requirement they are responsible for (``RequirementOwner``, which
extends from a clause to its lettered items). Assigning such an auditor is refused with the
list of conflicts, unless a manager records a justification (an ``IndependenceOverride`` per
conflict). Ownership, scope and team changes re-run the check (``refresh``), and an audit with
an unjustified conflict cannot leave "preparing" (see ``services.audits.transition``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.audits.choices import AuditStatus, TeamRole
from annexa.audits.models import Audit, AuditTeamMember, IndependenceOverride, RequirementOwner
from annexa.audits.services.common import MANAGE, clean_text, email_of, record, require_member
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "audit"


@dataclass(frozen=True)
class Conflict:
    """Why one person should not audit one thing; ``key`` names it as data."""

    key: str
    description: str


@dataclass(frozen=True)
class TeamConflict:
    """A conflict of a team member, and the override that justifies it (if any)."""

    user: object
    conflict: Conflict
    override: IndependenceOverride | None

    @property
    def justified(self) -> bool:
        return self.override is not None


class IndependenceError(ValidationError):
    """Assigning this auditor is refused; ``conflicts`` lists why."""

    def __init__(self, user, audit: Audit, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        listed = "; ".join(c.description for c in conflicts)
        super().__init__(
            {
                "user": [
                    f"{user.email} may not audit {audit.reference}: {listed}. An ISMS manager "
                    "may assign them only by recording a justification."
                ]
            }
        )


# --- finding conflicts -----------------------------------------------------------------------


def conflicts_of(audit: Audit, user) -> list[Conflict]:
    """Everything in ``audit``'s scope that ``user`` owns, manages or is responsible for."""
    return [
        *_control_conflicts(audit, user),
        *_unit_conflicts(audit, user),
        *_requirement_conflicts(audit, user),
    ]


def _control_conflicts(audit: Audit, user) -> list[Conflict]:
    from annexa.isms.models import SoAEntry

    scoped = audit.scope_controls.values("control_id")
    entries = (
        SoAEntry.objects.for_org(audit.organization)
        .filter(control_id__in=scoped, control_owner=user)
        .select_related("control")
        .order_by("control__sort_key")
    )
    return [
        Conflict(
            f"control:{e.control_id}",
            f"owns control {e.control_id} {e.control.title} (SoA control owner)",
        )
        for e in entries
    ]


def _unit_conflicts(audit: Audit, user) -> list[Conflict]:
    units = audit.units.filter(manager=user).order_by("name")
    return [Conflict(f"unit:{u.uid}", f"manages {u.name} ({u.get_kind_display()})") for u in units]


def _requirement_conflicts(audit: Audit, user) -> Iterable[Conflict]:
    scoped = list(audit.scope_requirements.values_list("requirement_id", "requirement__title"))
    owners = effective_requirement_owners(audit.organization, [rid for rid, _ in scoped])
    for requirement_id, title in scoped:
        owner = owners.get(requirement_id)
        if owner is not None and owner[0] == user.pk:
            via = "" if owner[1] == requirement_id else f" (through {owner[1]})"
            yield Conflict(
                f"requirement:{requirement_id}",
                f"is responsible for requirement {requirement_id} {title}{via}",
            )


def effective_requirement_owners(org, requirement_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """For each id: (owner's user pk, the id whose owner it is), following parents upwards."""
    from annexa.catalog.models import Requirement

    parent = dict(Requirement.objects.values_list("id", "parent_id"))
    owned = dict(RequirementOwner.objects.for_org(org).values_list("requirement_id", "user_id"))
    result: dict[str, tuple[int, str]] = {}
    for requirement_id in requirement_ids:
        current: str | None = requirement_id
        while current is not None:
            if current in owned:
                result[requirement_id] = (owned[current], current)
                break
            current = parent.get(current)
    return result


def team_conflicts(audit: Audit) -> list[TeamConflict]:
    """Every conflict of every team member, with its override when one was recorded."""
    overrides = {
        (o.auditor_id, o.conflict_key): o
        for o in audit.overrides.select_related("recorded_by", "auditor")
    }
    result = []
    for member in audit.team_members.select_related("user"):
        for conflict in conflicts_of(audit, member.user):
            override = overrides.get((member.user_id, conflict.key))
            result.append(TeamConflict(member.user, conflict, override))
    return result


def unjustified(audit: Audit) -> list[TeamConflict]:
    return [c for c in team_conflicts(audit) if not c.justified]


def describe(conflicts: Iterable[TeamConflict]) -> list[dict[str, str]]:
    """Conflicts as JSON-safe data (the cache on the audit, the ledger, the API)."""
    return [
        {"auditor": c.user.email, "key": c.conflict.key, "description": c.conflict.description}
        for c in conflicts
    ]


def refresh(audit: Audit, ctx: OrgContext | None = None) -> list[dict[str, str]]:
    """Recompute the audit's unjustified conflicts; record in the ledger when they changed."""
    current = describe(unjustified(audit))
    if current != audit.independence_conflicts:
        audit.independence_conflicts = current
        Audit.objects.filter(pk=audit.pk).update(independence_conflicts=current)
        record(
            ctx or OrgContext.system(audit.organization),
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="independence_check",
            data={"reference": audit.reference, "unjustified_conflicts": current},
        )
    return current


def open_audits(org):
    """Audits whose independence still matters (not closed)."""
    return Audit.objects.for_org(org).exclude(status=AuditStatus.CLOSED)


def refresh_for_control(org, control_id: str) -> None:
    for audit in open_audits(org).filter(scope_controls__control_id=control_id).distinct():
        refresh(audit)


def refresh_for_unit(unit) -> None:
    for audit in open_audits(unit.organization).filter(scope_units__unit=unit).distinct():
        refresh(audit)


def refresh_for_requirement(ctx: OrgContext, requirement_id: str) -> None:
    """Audits with the requirement or any item below it in scope."""
    from annexa.catalog.models import Requirement

    affected, frontier = {requirement_id}, [requirement_id]
    while frontier:
        children = Requirement.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        frontier = [c for c in children if c not in affected]
        affected.update(frontier)
    audits = open_audits(ctx.org).filter(scope_requirements__requirement_id__in=affected)
    for audit in audits.distinct():
        refresh(audit, ctx)


# --- the team --------------------------------------------------------------------------------


def add_team_member(
    ctx: OrgContext, audit: Audit, user, role: str = TeamRole.MEMBER, justification: str = ""
) -> AuditTeamMember:
    """Put ``user`` on the team (a new lead demotes the old one to member).

    Refused with the list of conflicts, unless ``justification`` is given, which records an
    override for each conflict (managers only, like every team change). A refusal is recorded
    in the ledger too (``team_refused``, with the conflicts), then raised.
    """
    ctx.require(MANAGE)
    require_member(ctx.org, user, "user")
    if role not in TeamRole.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use lead or member."})
    if audit.status == AuditStatus.CLOSED:
        raise ValidationError({"user": f"{audit.reference} is closed; reopen it first."})
    justification = clean_text(justification, "justification")
    with transaction.atomic():
        open_conflicts = _open_conflicts(audit, user)
        if not open_conflicts or justification:
            return _join(ctx, audit, user, role, open_conflicts, justification)
    # Refused: the attempt stays on record (the ledger shows the independence rule at work).
    conflicts = [{"conflict": c.key, "description": c.description} for c in open_conflicts]
    with transaction.atomic():
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="team_refused",
            data={"auditor": user.email, "role": role, "conflicts": conflicts},
        )
    raise IndependenceError(user, audit, open_conflicts)


def _join(
    ctx: OrgContext, audit: Audit, user, role: str, open_conflicts: list, justification: str
) -> AuditTeamMember:
    """Put ``user`` on the team, recording an override of each open conflict."""
    with transaction.atomic():
        if role == TeamRole.LEAD:
            audit.team_members.filter(role=TeamRole.LEAD).exclude(user=user).update(
                role=TeamRole.MEMBER
            )
        member, _ = AuditTeamMember.objects.update_or_create(
            audit=audit, user=user, defaults={"role": role}
        )
        overrides = _record_overrides(ctx, audit, user, open_conflicts, justification)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="team_add",
            data={"auditor": user.email, "role": role, "overrides": overrides},
        )
        refresh(audit, ctx)
    return member


def override_conflicts(ctx: OrgContext, audit: Audit, user, justification: str) -> list[dict]:
    """Justify every unjustified conflict of a team member (e.g. after an owner change)."""
    ctx.require(MANAGE)
    justification = clean_text(justification, "justification")
    if not justification:
        raise ValidationError({"justification": "Explain why this auditor may still audit this."})
    if not audit.team_members.filter(user=user).exists():
        raise ValidationError({"user": f"{user.email} is not on the team of {audit.reference}."})
    with transaction.atomic():
        open_conflicts = _open_conflicts(audit, user)
        if not open_conflicts:
            raise ValidationError({"user": f"{user.email} has no unjustified conflict here."})
        overrides = _record_overrides(ctx, audit, user, open_conflicts, justification)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="independence_override",
            data={"auditor": user.email, "overrides": overrides},
        )
        refresh(audit, ctx)
    return overrides


def remove_team_member(ctx: OrgContext, audit: Audit, user) -> None:
    ctx.require(MANAGE)
    with transaction.atomic():
        deleted, _ = audit.team_members.filter(user=user).delete()
        if not deleted:
            message = f"{user.email} is not on the team of {audit.reference}."
            raise ValidationError({"user": message})
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(audit.uid),
            action="team_remove",
            data={"auditor": user.email},
        )
        refresh(audit, ctx)


def _open_conflicts(audit: Audit, user) -> list[Conflict]:
    justified = set(audit.overrides.filter(auditor=user).values_list("conflict_key", flat=True))
    return [c for c in conflicts_of(audit, user) if c.key not in justified]


def _record_overrides(
    ctx: OrgContext, audit: Audit, user, conflicts: list[Conflict], justification: str
) -> list[dict]:
    now = timezone.now()
    for conflict in conflicts:
        IndependenceOverride.objects.create(
            organization=ctx.org,
            audit=audit,
            auditor=user,
            conflict_key=conflict.key,
            conflict=conflict.description,
            justification=justification,
            recorded_by=ctx.user,
            recorded_at=now,
        )
    return [
        {"conflict": c.key, "description": c.description, "justification": justification}
        for c in conflicts
    ]


# --- requirement owners ----------------------------------------------------------------------


def set_requirement_owner(ctx: OrgContext, requirement_id: str, user) -> RequirementOwner | None:
    """Name (or with ``None`` clear) the member responsible for a requirement."""
    from annexa.catalog.models import Requirement

    ctx.require(MANAGE)
    if not Requirement.objects.filter(id=requirement_id).exists():
        raise ValidationError({"requirement": f"Unknown requirement {requirement_id!r}."})
    if user is not None:
        require_member(ctx.org, user, "user")
    with transaction.atomic():
        current = RequirementOwner.objects.for_org(ctx.org).filter(requirement_id=requirement_id)
        before = email_of(current.first().user) if current.exists() else None
        after = email_of(user)
        if before == after:
            return current.first()
        owner = None
        if user is None:
            current.delete()
        else:
            owner, _ = RequirementOwner.objects.update_or_create(
                organization=ctx.org,
                requirement_id=requirement_id,
                defaults={"user": user, "updated_by": ctx.user, "updated_at": timezone.now()},
            )
        record(
            ctx,
            object_type="requirement_owner",
            object_id=requirement_id,
            action="set",
            data={"before": before, "after": after},
        )
        refresh_for_requirement(ctx, requirement_id)
    return owner
