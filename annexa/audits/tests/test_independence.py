"""Auditor independence: refusal naming the conflict, overrides, re-checks, the gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import TeamRole
from annexa.audits.models import IndependenceOverride
from annexa.audits.services import audits as audit_service
from annexa.audits.services import independence
from annexa.audits.services import programme as programme_service
from annexa.isms import services as isms_services
from annexa.isms.models import OrgUnit

START = dt.date(2026, 1, 5)


@pytest.fixture
def soa(acme, catalog, colin, isla):
    """Acme's SoA with A.8.5 owned by Colin and A.5.15 by Isla."""
    isms_services.ensure_soa(acme)
    for control_id, owner in (("A.8.5", colin.user), ("A.5.15", isla.user)):
        isms_services.update_soa_entry(
            isla.ctx,
            control_id,
            {"applicable": True, "justification": "Needed.", "control_owner": owner},
        )
    return acme


@pytest.fixture
def audit(soa, isla):
    programme = programme_service.create_programme(isla.ctx, start_date=START)
    return audit_service.create_audit(
        isla.ctx,
        programme,
        title="Identity and access",
        planned_start=dt.date(2026, 3, 2),
        planned_end=dt.date(2026, 3, 6),
        scope=audit_service.Scope(controls={"A.8.5": "Chosen", "A.5.15": "Chosen"}),
    )


def test_it_refuses_the_owner_of_a_scoped_control_naming_the_conflict(audit, isla, colin):
    with pytest.raises(independence.IndependenceError) as caught:
        independence.add_team_member(isla.ctx, audit, colin.user, TeamRole.LEAD)
    message = str(caught.value)
    assert "colin@acme.test may not audit" in message
    assert "A.8.5" in message and "SoA control owner" in message
    assert [c.key for c in caught.value.conflicts] == ["control:A.8.5"]
    assert not audit.team_members.exists()


def test_a_refused_assignment_stays_on_record_in_the_ledger(audit, isla, colin):
    import json

    from annexa.ledger.models import LedgerEntry

    with pytest.raises(independence.IndependenceError):
        independence.add_team_member(isla.ctx, audit, colin.user, TeamRole.LEAD)
    entry = LedgerEntry.objects.get(object_id=str(audit.uid), action="team_refused")
    assert entry.actor == isla.user.email
    data = json.loads(entry.data)
    assert data["auditor"] == "colin@acme.test" and data["role"] == "lead"
    assert [c["conflict"] for c in data["conflicts"]] == ["control:A.8.5"]
    assert not audit.team_members.exists()


def test_it_allows_the_owner_with_a_justification_and_keeps_it(audit, isla, colin):
    why = "Colin is the only engineer who knows the IdP; a second auditor reviews his work."
    independence.add_team_member(isla.ctx, audit, colin.user, TeamRole.LEAD, justification=why)
    override = IndependenceOverride.objects.get(audit=audit, auditor=colin.user)
    assert override.conflict_key == "control:A.8.5"
    assert override.justification == why
    assert override.recorded_by == isla.user
    assert independence.unjustified(audit) == []
    assert audit.lead_auditor == colin.user


def test_it_lets_only_managers_assign_the_team(audit, audrey):
    with pytest.raises(PermissionDenied):
        independence.add_team_member(audrey.ctx, audit, audrey.user)


def test_it_reflags_when_the_soa_owner_changes_and_blocks_fieldwork(audit, isla, audrey):
    independence.add_team_member(isla.ctx, audit, audrey.user, TeamRole.LEAD)
    audit_service.transition(audrey.ctx, audit, "preparing")
    isms_services.update_soa_entry(isla.ctx, "A.8.5", {"control_owner": audrey.user})
    audit.refresh_from_db()
    assert [c["key"] for c in audit.independence_conflicts] == ["control:A.8.5"]
    with pytest.raises(ValidationError) as caught:
        audit_service.transition(audrey.ctx, audit, "fieldwork")
    assert "Independence conflict: audrey@acme.test owns control A.8.5" in str(caught.value)
    independence.override_conflicts(isla.ctx, audit, audrey.user, "Reviewed by the CISO.")
    moved = audit_service.transition(audrey.ctx, audit, "fieldwork")
    assert moved.status == "fieldwork"


def test_it_reflags_when_a_unit_manager_changes(audit, isla, audrey):
    unit = OrgUnit.objects.create(organization=audit.organization, name="Platform")
    audit_service.set_scope(
        isla.ctx,
        audit,
        audit_service.Scope(controls={"A.5.15": "kept"}, units={unit: "Visited"}),
    )
    independence.add_team_member(isla.ctx, audit, audrey.user)
    isms_services.save_unit(isla.ctx, {"name": "Platform", "manager": audrey.user}, unit)
    audit.refresh_from_db()
    assert audit.independence_conflicts[0]["description"].startswith("manages Platform")


def test_it_reflags_when_the_scope_changes(audit, isla):
    audit_service.set_scope(isla.ctx, audit, audit_service.Scope(controls={"A.8.5": "x"}))
    independence.add_team_member(isla.ctx, audit, isla.user)
    assert audit.independence_conflicts == []
    audit_service.set_scope(
        isla.ctx, audit, audit_service.Scope(controls={"A.8.5": "x", "A.5.15": "added"})
    )
    assert [c["key"] for c in audit.independence_conflicts] == ["control:A.5.15"]


def test_it_follows_requirement_owners_down_to_lettered_items(audit, isla, audrey):
    audit_service.set_scope(isla.ctx, audit, audit_service.Scope(requirements={"7.2.a": "x"}))
    independence.add_team_member(isla.ctx, audit, audrey.user)
    independence.set_requirement_owner(isla.ctx, "7.2", audrey.user)
    audit.refresh_from_db()
    conflict = audit.independence_conflicts[0]
    assert conflict["key"] == "requirement:7.2.a"
    assert "(through 7.2)" in conflict["description"]
    independence.set_requirement_owner(isla.ctx, "7.2", None)
    audit.refresh_from_db()
    assert audit.independence_conflicts == []


def test_it_needs_a_lead_auditor_before_fieldwork(audit, isla, audrey):
    audit_service.transition(audrey.ctx, audit, "preparing")
    with pytest.raises(ValidationError, match="lead auditor"):
        audit_service.transition(audrey.ctx, audit, "fieldwork")
