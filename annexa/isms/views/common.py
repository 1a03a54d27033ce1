"""Small helpers the isms pages share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require_change(view) -> None:
    """Editing forms are not even shown to members who may not save them."""
    if not view.ctx.can("isms.change"):
        raise PermissionDenied("your role may not change the ISMS (isms.change)")


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def display(value) -> str:
    """A ledger value for people: yes/no for booleans, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
