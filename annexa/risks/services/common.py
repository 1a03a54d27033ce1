"""Helpers shared by the risks services: permissions, numbering, ledger records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import clean_text, email_of, member_by_email, record
from annexa.orgs.models import Organization

MANAGE = "risks.manage"
ASSESS = "risks.assess"

__all__ = [
    "ASSESS",
    "MANAGE",
    "clean_text",
    "email_of",
    "lock_org",
    "member_by_email",
    "next_number",
    "record",
    "require_text",
    "whole",
]


def lock_org(org) -> None:
    """Serialise writers that number things per organization."""
    Organization.objects.select_for_update().get(pk=org.pk)


def next_number(model, org) -> int:
    """The next free number of ``model`` in ``org`` (call after ``lock_org``)."""
    last = model.objects.for_org(org).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def require_text(data: Mapping[str, Any], name: str, label: str, max_length: int = 200) -> str:
    value = clean_text(data.get(name))
    if not value:
        raise ValidationError({name: f"{label} is required."})
    if len(value) > max_length:
        raise ValidationError({name: f"{label} is at most {max_length} characters."})
    return value


def whole(value: Any, name: str, low: int, high: int, label: str) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``; ``None`` for blank."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({name: f"{label} must be a whole number from {low} to {high}."})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            {name: f"{label} must be a whole number from {low} to {high}, not {value!r}."}
        ) from None
    if not low <= number <= high:
        raise ValidationError({name: f"{label} must be from {low} to {high}, not {number}."})
    return number


def require_named(ctx: OrgContext, doing: str) -> None:
    if ctx.user is None:
        raise PermissionDenied(f"only a named member may {doing}; sign in as that person")
