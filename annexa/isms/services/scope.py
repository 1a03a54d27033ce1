"""The ISMS scope statement: saving a new version and approving the current one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.models import OrgUnit, ScopeStatement
from annexa.isms.services.common import (
    PERMISSION,
    clean_text,
    email_of,
    iso,
    record,
    require_member,
)

OBJECT_TYPE = "scope_statement"


def snapshot(scope: ScopeStatement) -> dict[str, Any]:
    """A version as JSON-safe data for the ledger."""
    return {
        "version": scope.version,
        "text": scope.text,
        "boundaries": scope.boundaries,
        "in_scope": scope.in_scope,
        "exclusions": scope.exclusions,
        "approved_by": email_of(scope.approved_by),
        "approved_at": iso(scope.approved_at),
    }


def unit_snapshot(units: Iterable[OrgUnit]) -> list[dict[str, str]]:
    """What a scope version records about its units: enough to read it after they change."""
    ordered = sorted(units, key=lambda u: (u.kind, u.name.lower()))
    return [{"uid": str(u.uid), "name": u.name, "kind": u.kind} for u in ordered]


def clean_exclusions(exclusions: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """``[{"item", "reason"}]`` with both parts filled in; errors name the exclusion."""
    cleaned, problems = [], []
    for number, exclusion in enumerate(exclusions, start=1):
        if not isinstance(exclusion, Mapping):
            problems.append(f"Exclusion {number} must have an item and a reason.")
            continue
        item = clean_text(exclusion.get("item"))
        reason = clean_text(exclusion.get("reason"))
        if not item:
            problems.append(f"Exclusion {number} does not say what is excluded.")
        elif not reason:
            problems.append(f"Exclusion {number} ({item}) needs a reason.")
        else:
            cleaned.append({"item": item, "reason": reason})
    if problems:
        raise ValidationError({"exclusions": problems})
    return cleaned


def save_scope(
    ctx: OrgContext,
    *,
    text: str,
    boundaries: str = "",
    units: Iterable[OrgUnit] = (),
    exclusions: Sequence[Mapping[str, Any]] = (),
) -> ScopeStatement:
    """Add a new version of the scope; returns the current version unchanged if identical.

    ``units`` are the organization's units, systems, locations and processes in scope.
    """
    ctx.require(PERMISSION)
    units = list(units)
    errors: dict[str, Any] = {}
    text = clean_text(text)
    if not text:
        errors["text"] = "Describe the scope: what the ISMS covers."
    if any(u.organization_id != ctx.org.pk for u in units):
        errors["units"] = "Choose units of this organization only."
    try:
        cleaned_exclusions = clean_exclusions(exclusions)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    fields = {
        "text": text,
        "boundaries": clean_text(boundaries),
        "in_scope": unit_snapshot(units),
        "exclusions": cleaned_exclusions,
    }
    with transaction.atomic():
        _lock_org(ctx.org)
        current = ScopeStatement.current(ctx.org)
        if current is not None and all(getattr(current, k) == v for k, v in fields.items()):
            return current
        scope = ScopeStatement.objects.create(
            organization=ctx.org,
            version=(current.version + 1) if current else 1,
            created_by=ctx.user,
            **fields,
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(scope.uid),
            action="create",
            before=snapshot(current) if current else None,
            after=snapshot(scope),
        )
    return scope


def approve_scope(ctx: OrgContext, *, version: int | None = None, approver=None) -> ScopeStatement:
    """Record that ``approver`` (default: the acting user) approved the current version."""
    ctx.require(PERMISSION)
    approver = approver if approver is not None else ctx.user
    if approver is None:
        raise ValidationError({"approved_by": "Name the member who approves the scope."})
    require_member(ctx.org, approver, "approved_by")
    with transaction.atomic():
        _lock_org(ctx.org)
        scope = ScopeStatement.current(ctx.org)
        if scope is None:
            raise ValidationError({"version": "There is no scope statement to approve yet."})
        if version is not None and version != scope.version:
            raise ValidationError(
                {"version": f"Only the current version (v{scope.version}) can be approved."}
            )
        if scope.is_approved:
            raise ValidationError(
                {
                    "version": f"Version {scope.version} was already approved by "
                    f"{email_of(scope.approved_by)} on {scope.approved_at:%Y-%m-%d}."
                }
            )
        before = {"approved_by": None, "approved_at": None}
        scope.approved_by = approver
        scope.approved_at = timezone.now()
        scope.save(update_fields=["approved_by", "approved_at"])
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(scope.uid),
            action="approve",
            before=before,
            after={"approved_by": approver.email, "approved_at": iso(scope.approved_at)},
            version=scope.version,
        )
    return scope


def _lock_org(org) -> None:
    """Serialise scope writers of one organization (version numbers must not collide)."""
    from annexa.orgs.models import Organization

    Organization.objects.select_for_update().get(pk=org.pk)
