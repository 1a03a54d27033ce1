"""The findings demo: every grade, actions in various states, idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annexa.audits.choices import AuditStatus, TeamRole
from annexa.audits.models import Audit, AuditTeamMember
from annexa.audits.tests.factories import make_audit
from annexa.findings.demo import build_findings_demo
from annexa.findings.models import Finding
from annexa.findings.tests.conftest import make_item


@pytest.fixture
def completed(acme, audrey, version, soa):
    """An audit whose fieldwork is over, with one item of each result."""
    audit = make_audit(acme)
    AuditTeamMember.objects.filter(audit=audit).delete()
    AuditTeamMember.objects.create(audit=audit, user=audrey.user, role=TeamRole.LEAD)
    for order, result in enumerate(
        ["conforming", "major_nc", "minor_nc", "observation", "ofi"], start=1
    ):
        make_item(audit, result, version if result.endswith("_nc") else None, order=order)
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.REPORTING)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def people(alice, isla, colin, audrey, vera):
    return {
        "owner": alice.user,
        "isms_manager": isla.user,
        "it": colin.user,
        "auditor": audrey.user,
        "viewer": vera.user,
    }


def test_it_builds_findings_of_every_grade_with_actions(completed, people, isla, acme):
    demo = build_findings_demo(isla.ctx, people, completed)
    grades = sorted(f.grade for f in demo.findings)
    assert grades == ["major_nc", "minor_nc", "observation", "ofi"]
    assert all(f.raised_in == completed and f.checklist_item for f in demo.findings)
    statuses = {f.grade: Finding.objects.get(pk=f.pk).status for f in demo.findings}
    assert statuses == {
        "major_nc": "in_progress",
        "minor_nc": "closed",
        "observation": "acknowledged",
        "ofi": "open",
    }
    actions = {a.reference: a for a in demo.actions}
    assert len(actions) == 3
    today = timezone.localdate()
    assert [a.reference for a in demo.actions if a.is_overdue(today)] == ["CA-0001"]
    closed = [a for a in demo.actions if a.status == "closed"]
    assert len(closed) == 1 and closed[0].reviews.get().conclusion == "effective"
    assert closed[0].reviews.get().reviewer != closed[0].owner
    assert {a.source for a in demo.actions} == {"finding", "management_review"}


def test_it_changes_nothing_on_a_second_run(completed, people, isla, acme):
    from annexa.ledger.models import LedgerEntry

    first = build_findings_demo(isla.ctx, people, completed)
    entries = LedgerEntry.objects.filter(organization=acme).count()
    second = build_findings_demo(isla.ctx, people, completed)
    assert not second.created and first.created
    assert [f.pk for f in second.findings] == [f.pk for f in first.findings]
    assert LedgerEntry.objects.filter(organization=acme).count() == entries
