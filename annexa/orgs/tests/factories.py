"""Factories of the orgs app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import uuid

from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Membership, Organization, User


def make_user(org: Organization, label: str = "member") -> User:
    """A user without a usable password: cheap to create, signed in with ``force_login``."""
    return User.objects.create_user(f"{label}-{uuid.uuid4().hex[:8]}@{org.slug}.test")


def make_membership(org: Organization, role: str = Role.CONTROL_OWNER) -> Membership:
    return Membership.objects.create(user=make_user(org), organization=org, role=role)


def make_api_key(org: Organization) -> APIKey:
    key, _plaintext = APIKey.issue(user=make_membership(org).user, organization=org, name="ci")
    return key


FACTORIES = {Membership: make_membership, APIKey: make_api_key}
ROUTE_KWARGS: dict = {}
