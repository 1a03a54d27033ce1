"""The organization's calendar feed: a secret URL whose token only managers can rotate."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from annexa.audits.models import CalendarFeed
from annexa.audits.services.common import MANAGE, record
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "calendar_feed"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate(ctx: OrgContext) -> str:
    """Issue a new feed token (the old address stops working); returns it, never stored."""
    ctx.require(MANAGE)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            organization=ctx.org,
            defaults={
                "token_hash": hash_token(token),
                "created_by": ctx.user,
                "created_at": timezone.now(),
                "last_used_at": None,
            },
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(feed.uid),
            action="create" if created else "rotate",
            data={"token_sha256_prefix": feed.token_hash[:8]},
        )
    return token


def revoke(ctx: OrgContext) -> bool:
    """Turn the feed off; returns whether there was one."""
    ctx.require(MANAGE)
    with transaction.atomic():
        feed = CalendarFeed.objects.for_org(ctx.org).first()
        if feed is None:
            return False
        uid = str(feed.uid)
        feed.delete()
        record(ctx, object_type=OBJECT_TYPE, object_id=uid, action="revoke", data={})
    return True


def resolve(token: str) -> CalendarFeed | None:
    """The feed a presented token opens, or ``None``."""
    if not token or len(token) > 200:
        return None
    feed = CalendarFeed.objects.select_related("organization").filter(token_hash=hash_token(token))
    found = feed.first()
    if found is not None:
        CalendarFeed.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found
