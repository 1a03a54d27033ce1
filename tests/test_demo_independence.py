"""The demo's ownership data lets the independence rules show: the clause requirements have
owners, the ISMS manager's attempt to audit his own process (9.2) was refused and is on record,
and the Head of IT sits on the fieldwork audit with a recorded justification."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import override_settings

from annexa.audits.choices import AuditStatus
from annexa.audits.models import Audit, IndependenceOverride
from annexa.audits.services import independence
from annexa.cli.demo_independence import EXPERT_JUSTIFICATION
from annexa.core.tenancy import OrgContext
from annexa.ledger.models import LedgerEntry
from annexa.orgs.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(catalog):
    from pathlib import Path

    from annexa.cli.demo import build_demo
    from annexa.ledger.keys import ensure_signing_key

    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        org, _ = build_demo()
    return org


def user(email: str) -> User:
    return User.objects.get(email=email)


def test_the_demo_shows_one_refused_and_one_justified_assignment(demo):
    manager, expert = user("isms@kestrel.example"), user("it@kestrel.example")
    owners = independence.effective_requirement_owners(demo, ["9.2.1.a", "5.1.a", "7.2.a"])
    assert owners["9.2.1.a"] == (manager.pk, "9.2")
    assert owners["5.1.a"] == (user("owner@kestrel.example").pk, "5")
    assert owners["7.2.a"] == (user("hr@kestrel.example").pk, "7.2")

    # Refused: the audit that covers 9.2 is the ISMS manager's own process.
    own = Audit.objects.for_org(demo).filter(scope_requirements__requirement_id="9.2.1.a").get()
    refused = LedgerEntry.objects.get(object_id=str(own.uid), action="team_refused")
    data = json.loads(refused.data)
    assert data["auditor"] == manager.email
    assert "requirement:9.2.1.a" in [c["conflict"] for c in data["conflicts"]]
    assert not own.team_members.filter(user=manager).exists()

    # Justified: the Head of IT on the fieldwork audit, her conflicts each with the reason.
    fieldwork = Audit.objects.for_org(demo).get(status=AuditStatus.FIELDWORK)
    assert fieldwork.team_members.filter(user=expert).exists()
    overrides = IndependenceOverride.objects.filter(audit=fieldwork, auditor=expert)
    conflicts = {c.key for c in independence.conflicts_of(fieldwork, expert)}
    assert conflicts and {o.conflict_key for o in overrides} == conflicts
    assert {o.justification for o in overrides} == {EXPERT_JUSTIFICATION}
    assert independence.unjustified(fieldwork) == [] and fieldwork.independence_conflicts == []

    # The rule bites for whoever explores the demo: the ISMS manager is refused again.
    ctx = OrgContext.member(demo, manager)
    with pytest.raises(independence.IndependenceError, match=r"responsible for requirement 9\.2"):
        independence.add_team_member(ctx, own, manager)
