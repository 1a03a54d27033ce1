"""Factories of the orgs app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.utils import timezone

from annexa.orgs.choices import Role
from annexa.orgs.models import (
    APIKey,
    Invitation,
    Membership,
    Organization,
    User,
    hash_invitation_token,
)


def make_user(org: Organization, label: str = "member") -> User:
    """A user without a usable password: cheap to create, signed in with ``force_login``."""
    return User.objects.create_user(f"{label}-{uuid.uuid4().hex[:8]}@{org.slug}.test")


def make_membership(org: Organization, role: str = Role.CONTROL_OWNER) -> Membership:
    return Membership.objects.create(user=make_user(org), organization=org, role=role)


def make_api_key(org: Organization) -> APIKey:
    key, _plaintext = APIKey.issue(user=make_membership(org).user, organization=org, name="ci")
    return key


def make_invitation(org: Organization, email: str = "", role: str = Role.VIEWER, **fields):
    """A pending invitation; its token is kept on the instance (``.token``) for tests."""
    token = secrets.token_urlsafe(32)
    fields.setdefault("expires_at", timezone.now() + timedelta(days=7))
    invitation = Invitation.objects.create(
        organization=org,
        email=email or f"invitee-{uuid.uuid4().hex[:8]}@{org.slug}.test",
        role=role,
        token_hash=hash_invitation_token(token),
        **fields,
    )
    invitation.token = token
    return invitation


FACTORIES = {Membership: make_membership, APIKey: make_api_key, Invitation: make_invitation}
ROUTE_KWARGS: dict = {}
