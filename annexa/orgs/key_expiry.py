"""API keys expire: after ``ANNEXA_API_KEY_DAYS`` (90) unless issued for fewer days, and their
owners are warned ``WARNING_DAYS`` before — a banner on the keys page and a warning line in
``annexa apikey list`` — so a script's key is replaced before it stops working."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from annexa.orgs.models import APIKey
from annexa.orgs.services import MAX_KEY_DAYS

WARNING_DAYS = 14


def default_days() -> int:
    """Days a key lives when its issuer names none (``ANNEXA_API_KEY_DAYS``)."""
    return min(int(settings.API_KEY_DAYS), MAX_KEY_DAYS)


def expires_soon(key: APIKey, now: datetime | None = None) -> bool:
    """An active key that expires within ``WARNING_DAYS``."""
    now = now or timezone.now()
    if key.revoked_at is not None or key.expires_at is None or key.expires_at <= now:
        return False
    return key.expires_at - now <= timedelta(days=WARNING_DAYS)


def expiring_soon(keys: Iterable[APIKey], now: datetime | None = None) -> list[APIKey]:
    now = now or timezone.now()
    return [key for key in keys if expires_soon(key, now)]


def warning(key: APIKey, now: datetime | None = None) -> str:
    """One line about a key that expires soon, saying what to do."""
    now = now or timezone.now()
    days = (key.expires_at - now).days
    when = "today" if days < 1 else f"in {days} day{'s' if days != 1 else ''}"
    name = f" ({key.name})" if key.name else ""
    return (
        f"API key {key.prefix}{name} of {key.user.email} expires {when}, on "
        f"{key.expires_at:%Y-%m-%d %H:%M} UTC: issue a new key, switch to it and revoke this one"
    )
