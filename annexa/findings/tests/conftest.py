"""Fixtures of the findings and actions tests: an audit in fieldwork with a nonconformity on
its checklist, Colin owning the control, Audrey on the audit team."""

from __future__ import annotations

import pytest

from annexa.audits.choices import AuditStatus, ChecklistResult, TeamRole
from annexa.audits.models import Audit, AuditTeamMember, ChecklistItem
from annexa.audits.tests.factories import make_audit, sample_control, sample_requirement
from annexa.evidence.tests.factories import make_version
from annexa.findings import services
from annexa.ledger.models import LedgerEntry


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas get passwords; Argon2 costs most of a second each, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def control(db):
    sample_requirement()
    return sample_control()


@pytest.fixture
def soa(acme, colin, control):
    """A.8.5 applies and Colin owns it."""
    from annexa.isms.models import SoAEntry

    return SoAEntry.objects.create(
        organization=acme,
        control=control,
        applicable=True,
        justification="Remote access.",
        control_owner=colin.user,
    )


def start_fieldwork(audit: Audit, *auditors) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.FIELDWORK)
    for user in auditors:
        AuditTeamMember.objects.create(audit=audit, user=user, role=TeamRole.MEMBER)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def audit(acme, audrey, control):
    return start_fieldwork(make_audit(acme), audrey.user)


@pytest.fixture
def version(acme):
    return make_version(acme)


def make_item(audit: Audit, result: str, version=None, auditees=(), order: int = 1):
    item = ChecklistItem.objects.create(
        organization=audit.organization,
        audit=audit,
        order=order,
        control=sample_control(),
        adhoc=True,
        questions=["How is multi-factor authentication enforced?"],
        result=result,
        methods=["document_review", "interview"],
        examined="The identity provider's sign-in policy and the admin accounts.",
        analysis="Two administrator accounts sign in with a password only.",
        verification="Compared the policy with the sign-in log of March.",
    )
    if version is not None:
        item.evidence.add(version)
    item.auditees.add(*auditees)
    return item


@pytest.fixture
def nc_item(audit, version, colin):
    return make_item(audit, ChecklistResult.MAJOR_NC, version, [colin.user])


@pytest.fixture
def draft(audrey, nc_item, soa):
    return services.raise_from_checklist_item(
        audrey.ctx,
        nc_item,
        requirement_statement="Administrators sign in with a second factor.",
        nature="missing",
    )


@pytest.fixture
def open_nc(draft, isla):
    return services.open_finding(isla.ctx, draft)


def ledger_actions(org, object_type: str) -> list[str]:
    return list(
        LedgerEntry.objects.filter(organization=org, object_type=object_type)
        .order_by("seq")
        .values_list("action", flat=True)
    )
