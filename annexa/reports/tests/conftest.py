"""Fixtures of the reports tests: the demo's closed audit, built as ``annexa demo`` builds it."""

from __future__ import annotations

import pytest

from annexa.audits.tests.test_demo import ROLES  # the demo's people and their roles
from annexa.core.testing.fixtures import make_persona


def audit_with_note(org, notes: str):
    """A new audit of ``org`` with one conforming checklist item that carries ``notes``."""
    from annexa.audits.choices import ChecklistResult
    from annexa.audits.models import ChecklistItem
    from annexa.audits.tests.factories import make_audit, sample_control

    audit = make_audit(org)
    ChecklistItem.objects.create(
        organization=org,
        audit=audit,
        order=1,
        control=sample_control(),
        result=ChecklistResult.CONFORMING,
        notes=notes,
    )
    return audit


def review_and_approve(audit) -> None:
    """Take the next version of ``audit``'s report through review so that it may be issued.

    Its lead auditor submits and reviews it; the audit programme's approver approves it (an
    owner of the organization when the programme names none, made a member when it has none).
    """
    from annexa.audits.tests.factories import member
    from annexa.core.tenancy import OrgContext
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership
    from annexa.reports import services

    org = audit.organization
    lead = OrgContext.member(org, audit.lead_auditor)
    services.submit_for_review(lead, audit)
    services.mark_reviewed(lead, audit)
    approver = audit.programme.approved_by
    if approver is None:
        owner = Membership.objects.filter(organization=org, role=Role.OWNER).first()
        approver = owner.user if owner else member(org, Role.OWNER)
    services.approve(OrgContext.member(org, approver), audit)


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
