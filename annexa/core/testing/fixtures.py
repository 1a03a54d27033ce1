"""Shared pytest fixtures: organizations and the personas every access test uses.

Alice is the owner of Acme, Isla its ISMS manager, Colin a control owner, Audrey an auditor,
Vera a viewer (top management / external auditor). Oscar owns a different organization,
Globex, and should see nothing of Acme.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest

from annexa.core.tenancy import OrgContext
from annexa.orgs.choices import Role
from annexa.orgs.mfa import role_requires

PASSWORD = "correct horse battery staple"
# The authenticator app (TOTP) of every persona whose role requires two-factor authentication
# (ANNEXA_MFA_REQUIRED_ROLES): they are set up like real people, and a test that signs in
# through the login page answers the second step with ``totp_code()``.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The authenticator app's current code."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def signed_in_with_totp(client, user) -> None:
    """Record in ``client``'s session what a real sign-in with password and authenticator app
    records (allauth's authentication methods), as ``force_login`` alone does not."""
    import time

    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session.save()


def give_totp(user) -> None:
    """Activate an authenticator app (TOTP, ``TOTP_SECRET``) for ``user``."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, TOTP_SECRET)


@dataclass
class Persona:
    user: object
    membership: object

    @property
    def ctx(self) -> OrgContext:
        return OrgContext(
            org=self.membership.organization, user=self.user, membership=self.membership
        )


@functools.cache
def _hash_with(hasher: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD, hasher=hasher)


def _password_hash() -> str:
    """PASSWORD hashed once per hasher: argon2 is slow on purpose, and every persona shares it.

    Keyed by the hasher in force, because some test packages switch to a fast hasher and a hash
    made under one setting must not leak into tests that run under another.
    """
    from django.contrib.auth.hashers import get_hashers

    return _hash_with(get_hashers()[0].algorithm)


def make_persona(org, email: str, role: str, full_name: str = "") -> Persona:
    from allauth.account.models import EmailAddress

    from annexa.orgs.models import Membership, User

    user = User.objects.create(email=email, full_name=full_name, password=_password_hash())
    # Provisioned like `annexa user create` does: the address is verified, so it signs in.
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role_requires(role):
        give_totp(user)
    membership = Membership.objects.create(user=user, organization=org, role=role)
    return Persona(user=user, membership=membership)


@pytest.fixture
def acme(db):
    from annexa.orgs.models import Organization

    return Organization.objects.create(name="Acme Ltd", slug="acme")


@pytest.fixture
def globex(db):
    from annexa.orgs.models import Organization

    return Organization.objects.create(name="Globex Corp", slug="globex")


@pytest.fixture
def alice(acme) -> Persona:
    return make_persona(acme, "alice@acme.test", Role.OWNER, "Alice Owner")


@pytest.fixture
def isla(acme) -> Persona:
    return make_persona(acme, "isla@acme.test", Role.ISMS_MANAGER, "Isla Manager")


@pytest.fixture
def colin(acme) -> Persona:
    return make_persona(acme, "colin@acme.test", Role.CONTROL_OWNER, "Colin Owner")


@pytest.fixture
def audrey(acme) -> Persona:
    return make_persona(acme, "audrey@acme.test", Role.AUDITOR, "Audrey Auditor")


@pytest.fixture
def vera(acme) -> Persona:
    return make_persona(acme, "vera@acme.test", Role.VIEWER, "Vera Viewer")


@pytest.fixture
def oscar(globex) -> Persona:
    return make_persona(globex, "oscar@globex.test", Role.OWNER, "Oscar Outsider")


@pytest.fixture
def catalog(db):
    """The real catalog, loaded from the package's data files."""
    from annexa.catalog.loader import load_catalog

    load_catalog()


@pytest.fixture
def client_for(client):
    """``client_for(persona)``: the Django test client logged in as that persona."""

    def login(persona: Persona):
        client.force_login(persona.user)
        if role_requires(persona.membership.role):
            signed_in_with_totp(client, persona.user)
        return client

    return login
