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
from annexa.orgs.choices import Role

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
    """Record that ``approver`` (default: the acting user) approved the current version.

    Approval is independent of the version's author: whoever wrote it may neither approve it
    nor record someone else's approval of it; an owner or another ISMS manager does.
    """
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
        _require_independent_approval(ctx, scope, approver)
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


def _require_independent_approval(ctx: OrgContext, scope: ScopeStatement, approver) -> None:
    """Refuse an approval given, or recorded, by the author of ``scope``, naming who may."""
    author = scope.created_by
    if author is None or author.pk not in {approver.pk, getattr(ctx.user, "pk", None)}:
        return
    writer = "You" if author == ctx.user else f"{author} ({author.email})"
    if author == approver:
        refused = "you may not approve it" if author == ctx.user else "they may not approve it"
    else:
        refused = (
            f"you may not record an approval of it for {approver} (they approve it themselves)"
        )
    raise ValidationError(
        {
            "approved_by": f"{writer} wrote version {scope.version} of the scope, so {refused}: "
            "its approval must come from someone other than its author. "
            f"{_who_may_approve(ctx.org, author)}"
        }
    )


def own_version_note(ctx: OrgContext, scope: ScopeStatement | None) -> str:
    """Why the acting member may not approve ``scope`` because they wrote it ("" otherwise),
    for the page to say instead of offering a button the service would refuse."""
    if scope is None or scope.is_approved or ctx.user is None:
        return ""
    if scope.created_by_id is None or scope.created_by_id != ctx.user.pk:
        return ""
    return (
        f"You wrote version {scope.version}, so its approval must come from someone else. "
        f"{_who_may_approve(ctx.org, ctx.user)}"
    )


def _who_may_approve(org, author) -> str:
    """The members who may approve a version ``author`` wrote, as a sentence."""
    from annexa.orgs.models import Membership
    from annexa.orgs.permissions import PERMISSIONS

    roles = sorted(PERMISSIONS[PERMISSION], key=lambda r: list(Role).index(r))
    labels = " or ".join(Role(r).label for r in roles)
    others = (
        Membership.objects.filter(organization=org, role__in=roles)
        .exclude(user=author)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    names = [f"{m.user} ({m.user.email}, {m.get_role_display()})" for m in others]
    if not names:
        return f"Nobody else can approve it yet: add another {labels} to the organization."
    return f"Another {labels} can approve it: {', '.join(names)}."


def _lock_org(org) -> None:
    """Serialise scope writers of one organization (version numbers must not collide)."""
    from annexa.orgs.models import Organization

    Organization.objects.select_for_update().get(pk=org.pk)
