"""Helpers shared by the audits services: permissions, text clean-up, members, the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

MANAGE = "audit.manage"
CONDUCT = "audit.conduct"


def clean_text(value: object, field: str = "text") -> str:
    """Trimmed text with ``\\n`` line ends; anything but text is an error naming ``field``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: "Expected text."})
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def email_of(user) -> str | None:
    """How the ledger and exports name a person."""
    return user.email if user is not None else None


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def is_member(org, user) -> bool:
    from annexa.orgs.models import Membership

    return Membership.objects.filter(organization=org, user=user).exists()


def require_member(org, user, field: str) -> None:
    """``user`` must belong to ``org``; the error names the field."""
    if user is None or not is_member(org, user):
        who = user.email if user is not None else "nobody"
        raise ValidationError({field: f"{who} is not a member of {org.name}."})


def members_of(org):
    """The organization's members, for pickers."""
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org).order_by("email")


def member_by_email(org, email: str, field: str):
    """The member of ``org`` with this e-mail address; a clear error otherwise."""
    from annexa.orgs.models import User

    address = (email or "").strip().lower()
    user = User.objects.filter(email=address, memberships__organization=org).first()
    if user is None:
        raise ValidationError({field: f"{address or '(empty)'} is not a member of {org.name}."})
    return user


def reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


def lock_org(org) -> None:
    """Serialise writers that number things per organization (audit references)."""
    from annexa.orgs.models import Organization

    Organization.objects.select_for_update().get(pk=org.pk)


def record(
    ctx: OrgContext, *, object_type: str, object_id: str, action: str, data: Mapping[str, Any]
) -> None:
    """Append the change to the ledger; call inside the change's transaction."""
    ledger.append(ctx, object_type=object_type, object_id=object_id, action=action, data=data)
