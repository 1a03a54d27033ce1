"""Helpers the findings and actions services share: text, members, numbering, the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

RAISE = "findings.raise"
CLOSE = "findings.close"
RESPOND = "findings.respond"
MAX_TEXT = 20_000


def clean_text(value: object, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """Trimmed text with ``\\n`` line ends; an error naming ``field`` when it is not text,
    holds a null character (which PostgreSQL cannot store), is too long, or is empty while
    ``required``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Expected text."})
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in text:
        raise ValidationError({field: "Remove the null character: it cannot be stored."})
    if required and not text:
        raise ValidationError({field: "This is required."})
    if len(text) > limit:
        raise ValidationError({field: f"Keep this under {limit:,} characters."})
    return text


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def email_of(user) -> str | None:
    return user.email if user is not None else None


def is_member(org, user) -> bool:
    from annexa.orgs.models import Membership

    return user is not None and Membership.objects.filter(organization=org, user=user).exists()


def require_members(org, users: Iterable, field: str) -> list:
    """``users`` as a list, all of them members of ``org``; otherwise an error naming them."""
    from annexa.orgs.models import Membership

    people = list(users or [])
    members = set(
        Membership.objects.filter(organization=org, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    strangers = sorted(u.email for u in people if u.pk not in members)
    if strangers:
        raise ValidationError({field: f"Not members of {org.name}: {', '.join(strangers)}."})
    return people


def require_person(ctx: OrgContext, doing: str) -> None:
    """Some decisions need a named member (independence is checked against them)."""
    if ctx.user is None:
        raise PermissionDenied(f"only a named member may {doing}; sign in as that person")


def lock_org(org) -> None:
    """Serialise writers that number things per organization."""
    from annexa.orgs.models import Organization

    Organization.objects.select_for_update().get(pk=org.pk)


def next_number(model, org) -> int:
    """The next free number of ``model`` in ``org``; call inside a transaction, after
    ``lock_org``, so two writers never take the same number."""
    last = model.objects.for_org(org).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def same_org(ctx: OrgContext, obj, field: str) -> None:
    """``obj`` (when given) must belong to the caller's organization."""
    if obj is not None and obj.organization_id != ctx.org.pk:
        raise ValidationError({field: "This belongs to another organization."})


def evidence_versions(ctx: OrgContext, versions: Iterable | None, field: str = "evidence") -> list:
    """Evidence versions of the caller's organization only."""
    found = list(versions or [])
    if any(v.organization_id != ctx.org.pk for v in found):
        raise ValidationError({field: "Link evidence of this organization only."})
    return found


def record(
    ctx: OrgContext,
    *,
    object_type: str,
    object_id: str,
    action: str,
    data: Mapping[str, Any],
) -> None:
    """Append the change to the ledger; call inside the change's transaction."""
    ledger.append(ctx, object_type=object_type, object_id=object_id, action=action, data=data)


def combine(errors: dict[str, list[str]]) -> None:
    """Raise the collected field errors at once, so a person fixes a form in one go."""
    if errors:
        raise ValidationError(errors)
