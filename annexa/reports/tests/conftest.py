"""Fixtures of the reports tests: the demo's closed audit, built as ``annexa demo`` builds it."""

from __future__ import annotations

import pytest

from annexa.core.testing.fixtures import make_persona

ROLES = {
    "owner": "owner",
    "isms_manager": "isms_manager",
    "it": "control_owner",
    "engineering": "control_owner",
    "hr": "control_owner",
    "facilities": "control_owner",
    "auditor": "auditor",
    "viewer": "viewer",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas get passwords; Argon2 costs most of a second each, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def store(settings, tmp_path):
    """A blob store of this test's own: issuing writes blobs, and one test damages one."""
    from annexa.evidence.storage import get_store

    settings.STORAGE_URL = f"file://{tmp_path / 'blobs'}"
    return get_store()


@pytest.fixture
def demo(acme, catalog, store):
    """The isms and audits demos on Acme: returns (personas by demo key, the closed audit)."""
    from annexa.audits.demo import build_audits_demo
    from annexa.isms.demo import build_isms_demo

    personas = {key: make_persona(acme, f"{key}@kestrel.test", r) for key, r in ROLES.items()}
    people = {key: persona.user for key, persona in personas.items()}
    ctx = personas["isms_manager"].ctx
    build_isms_demo(ctx, people)
    built = build_audits_demo(ctx, people)
    return personas, built["closed"]
