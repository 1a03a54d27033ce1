"""An audit's scope as the services handle it: ids and units, each with the reason it is in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from annexa.audits.choices import ScopeOrigin
from annexa.audits.models import Audit, AuditControl, AuditRequirement, AuditUnit
from annexa.core.tenancy import OrgContext


@dataclass
class Scope:
    """An audit's scope as ids (requirements, controls) and units, each with a reason."""

    requirements: dict[str, str] = field(default_factory=dict)
    controls: dict[str, str] = field(default_factory=dict)
    units: dict[object, str] = field(default_factory=dict)
    origin: str = ScopeOrigin.MANUAL


def excluded_controls(org, ids) -> list:
    """The controls among ``ids`` that the organization's SoA excludes: marked not applicable
    with a justification (a decision, not an entry nobody has decided yet), in catalog order."""
    from annexa.catalog.models import Control
    from annexa.isms.models import SoAEntry

    excluded = (
        SoAEntry.objects.for_org(org)
        .filter(control_id__in=list(ids), applicable=False)
        .exclude(justification="")
        .values("control_id")
    )
    return list(Control.objects.filter(id__in=excluded).order_by("sort_key"))


def excluded_message(controls) -> str:
    names = "; ".join(f"{c.id} {c.title}" for c in controls)
    return (
        f"Not applicable in the Statement of Applicability: {names}. An audit examines the "
        "controls the SoA includes: take these out of the scope, or change the SoA first."
    )


def check_scope(ctx: OrgContext, scope: Scope, kept=()) -> None:
    """Every id exists in the catalog and every unit belongs to the organization; a control
    chosen by hand (not copied) is one the SoA does not exclude, unless the audit already had
    it (``kept``: an exclusion decided after the audit was scoped does not lock its form)."""
    from annexa.catalog.models import Control, Requirement

    errors: dict[str, str] = {}
    unknown = set(scope.requirements) - set(
        Requirement.objects.filter(id__in=list(scope.requirements)).values_list("id", flat=True)
    )
    if unknown:
        errors["requirements"] = f"Unknown requirement(s): {', '.join(sorted(unknown))}."
    unknown = set(scope.controls) - set(
        Control.objects.filter(id__in=list(scope.controls)).values_list("id", flat=True)
    )
    if unknown:
        errors["controls"] = f"Unknown control(s): {', '.join(sorted(unknown))}."
    elif scope.origin != ScopeOrigin.COPY:
        excluded = excluded_controls(ctx.org, set(scope.controls) - set(kept))
        if excluded:
            errors["controls"] = excluded_message(excluded)
    if any(getattr(u, "organization_id", None) != ctx.org.pk for u in scope.units):
        errors["units"] = "Choose units of this organization only."
    if errors:
        raise ValidationError(errors)


def write_scope(audit: Audit, scope: Scope) -> None:
    """Store the scope rows of a new audit."""
    AuditRequirement.objects.bulk_create(
        AuditRequirement(audit=audit, requirement_id=i, reason=r, origin=scope.origin)
        for i, r in scope.requirements.items()
    )
    AuditControl.objects.bulk_create(
        AuditControl(audit=audit, control_id=i, reason=r, origin=scope.origin)
        for i, r in scope.controls.items()
    )
    AuditUnit.objects.bulk_create(
        AuditUnit(audit=audit, unit=u, reason=r, origin=scope.origin)
        for u, r in scope.units.items()
    )


def replace_rows(rows, key: str, wanted: Mapping, audit: Audit, scope: Scope) -> None:
    """Delete the scope rows not wanted any more and add the new ones (``key`` names the item)."""
    model = rows.model
    existing = {getattr(r, key): r for r in rows.all()}
    rows.exclude(pk__in=[r.pk for k, r in existing.items() if k in wanted]).delete()
    model.objects.bulk_create(
        model(audit=audit, origin=scope.origin, reason=reason, **{key: k})
        for k, reason in wanted.items()
        if k not in existing
    )
