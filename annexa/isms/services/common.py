"""Helpers shared by the isms services: text clean-up, membership checks, ledger records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger

PERMISSION = "isms.change"


def clean_text(value: object) -> str:
    """Trimmed text with ``\\n`` line ends, whatever the browser or spreadsheet sent."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("expected text")
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def email_of(user) -> str | None:
    """How services name a person in ledger data and exports."""
    return user.email if user is not None else None


def stale_message(name: str, record, expected: int, what: str) -> str:
    """Why a save with an old version was refused: who changed ``record`` (with ``version``,
    ``updated_by`` and ``updated_at``) since, and what to do."""
    who = email_of(record.updated_by) or "someone"
    when = record.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{name} was changed by {who} at {when} (now version {record.version}, you edited "
        f"version {expected}). Your changes were not saved: reload the {what} and apply them "
        "again."
    )


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def is_member(org, user) -> bool:
    from annexa.orgs.models import Membership

    return Membership.objects.filter(organization=org, user=user).exists()


def require_member(org, user, field: str) -> None:
    """``user`` (when set) must belong to ``org``; the error names the form field."""
    if user is not None and not is_member(org, user):
        raise ValidationError({field: f"{user.email} is not a member of {org.name}."})


def member_by_email(org, email: str, field: str):
    """The member of ``org`` with this e-mail address, ``None`` for blank; else an error."""
    from annexa.orgs.models import User

    email = (email or "").strip().lower()
    if not email:
        return None
    user = User.objects.filter(email=email, memberships__organization=org).first()
    if user is None:
        raise ValidationError({field: f"{email} is not a member of {org.name}."})
    return user


def reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [key for key in after if before.get(key) != after[key]]


def record(
    ctx: OrgContext,
    *,
    object_type: str,
    object_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    **extra: Any,
) -> None:
    """Append the change to the ledger (call inside the change's transaction)."""
    data: dict[str, Any] = {
        "before": dict(before) if before is not None else None,
        "after": dict(after) if after is not None else None,
    }
    data.update(extra)
    ledger.append(ctx, object_type=object_type, object_id=object_id, action=action, data=data)
