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


def check_scope(ctx: OrgContext, scope: Scope) -> None:
    """Every id exists in the catalog and every unit belongs to the organization."""
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
