"""Acme as of a fixed day (``TODAY``): an audit programme with audits in every stage, findings
of every grade and age, corrective actions on time and overdue — built through the services
where a service can build it, through the apps' factories where the dates must be in the past.

A.8.5 applies and Colin owns it; requirements 7 and 7.2 are the auditable requirements (the
apps' factories create only these catalog rows, so the expected numbers stay small)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.actions.choices import ActionStatus
from annexa.actions.tests.factories import make_action
from annexa.audits.choices import AuditStatus
from annexa.audits.models import Audit
from annexa.audits.services import audits as audit_services
from annexa.audits.services import programme as programme_services
from annexa.audits.services.scope import Scope
from annexa.findings.choices import FindingGrade, FindingStatus
from annexa.findings.tests.conftest import control, fast_password_hashing, soa  # noqa: F401
from annexa.findings.tests.factories import make_finding

TODAY = dt.date(2026, 6, 30)


def days_ago(days: int, today: dt.date = TODAY) -> dt.datetime:
    """Noon, local time, ``days`` before ``today``."""
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time(12)))


def finding(org, grade: str, status: str, raised: int, opened: int | None = None, closed=None):
    """A finding raised ``raised`` days before TODAY, opened and closed as many days before."""
    return make_finding(
        org,
        grade=grade,
        status=status,
        raised_at=days_ago(raised),
        opened_at=days_ago(opened) if opened is not None else None,
        closed_at=days_ago(closed) if closed is not None else None,
    )


@pytest.fixture
def findings(acme, control):  # noqa: F811 (the fixture imported above)
    """Open: a major (14 days), a minor (30), a minor (31), an observation (100), an OFI (181);
    a major opened 60 days ago and closed 20 days ago; a draft; a minor closed long ago."""
    g, s = FindingGrade, FindingStatus
    return {
        "major": finding(acme, g.MAJOR_NC, s.OPEN, 14, 14),
        "minor30": finding(acme, g.MINOR_NC, s.IN_PROGRESS, 30, 30),
        "minor31": finding(acme, g.MINOR_NC, s.OPEN, 31, 31),
        "observation": finding(acme, g.OBSERVATION, s.ACKNOWLEDGED, 100, 100),
        "ofi": finding(acme, g.OFI, s.OPEN, 181, 181),
        "closed_major": finding(acme, g.MAJOR_NC, s.CLOSED, 60, 60, 20),
        "draft": finding(acme, g.MINOR_NC, s.DRAFT, 5),
        "old_minor": finding(acme, g.MINOR_NC, s.CLOSED, 400, 400, 200),
    }


@pytest.fixture
def actions(acme, colin, isla):
    """Two overdue (5 and 40 days), one implemented long after its date (not overdue: the work
    is done), one due today (not overdue yet), one closed."""
    due = lambda days: TODAY - dt.timedelta(days=days)  # noqa: E731
    return {
        "late5": make_action(acme, title="Rotate keys", owner=colin.user, due_date=due(5)),
        "late40": make_action(
            acme,
            title="Restore test",
            owner=isla.user,
            due_date=due(40),
            status=ActionStatus.IN_PROGRESS,
        ),
        "implemented": make_action(
            acme, owner=colin.user, due_date=due(100), status=ActionStatus.IMPLEMENTED
        ),
        "today": make_action(acme, owner=colin.user, due_date=TODAY),
        "closed": make_action(acme, owner=colin.user, due_date=due(50), status=ActionStatus.CLOSED),
    }


def set_status(audit: Audit, status: str) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=status)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def programme(acme, isla, soa):  # noqa: F811
    """The 2026–2028 cycle (surveillance audit on 2027-06-01) with a closed audit of 7.2 and
    A.8.5, one in fieldwork on 7, one planned with no scope; and the finished 2023 cycle."""
    from annexa.audits.tests.factories import sample_requirement

    sample_requirement()
    programme_services.create_programme(isla.ctx, start_date=dt.date(2023, 1, 1))
    current = programme_services.create_programme(isla.ctx, start_date=dt.date(2026, 1, 1))
    surveillance = current.milestones.get(kind="surveillance_1")

    def audit(title, status, scope):
        made = audit_services.create_audit(
            isla.ctx,
            current,
            title=title,
            planned_start=dt.date(2026, 5, 4),
            planned_end=dt.date(2026, 5, 8),
            scope=scope,
            milestone=surveillance,
        )
        return set_status(made, status)

    audit("Access", AuditStatus.CLOSED, Scope(requirements={"7.2": "r"}, controls={"A.8.5": "r"}))
    audit("Support", AuditStatus.FIELDWORK, Scope(requirements={"7": "r"}))
    audit("Later", AuditStatus.PLANNED, Scope())
    return current
