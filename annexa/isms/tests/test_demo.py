from collections import Counter

import pytest

from annexa.core.testing.fixtures import make_persona
from annexa.isms.choices import ImplementationStatus
from annexa.isms.demo import build_isms_demo, demo_data
from annexa.isms.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    OrgUnit,
    ScopeStatement,
    SoAEntry,
)
from annexa.isms.progress import progress_of
from annexa.isms.tests.conftest import ledger_count

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


@pytest.fixture
def people(acme):
    return {key: make_persona(acme, f"{key}@kestrel.test", role) for key, role in ROLES.items()}


def build(people):
    members = {key: persona.user for key, persona in people.items()}
    return build_isms_demo(people["isms_manager"].ctx, members)


def test_it_builds_a_complete_isms(acme, catalog, people):
    summary = build(people)
    assert OrgUnit.objects.for_org(acme).count() == 8
    assert ContextIssue.objects.for_org(acme).filter(climate_related=True).count() == 1
    assert 6 <= ContextIssue.objects.for_org(acme).count() <= 8
    assert 5 <= InterestedParty.objects.for_org(acme).filter(relevant=True).count() <= 7
    scope = ScopeStatement.current(acme)
    assert scope.version == summary.scope_version == 1
    assert scope.approved_by == people["owner"].user != scope.created_by
    assert {u["name"] for u in scope.in_scope} >= {"Production AWS", "Office Ljubljana"}
    entries = SoAEntry.objects.for_org(acme)
    assert entries.count() == 93
    assert not entries.filter(justification="").exists()
    assert 80 <= entries.filter(applicable=True).count() <= 90
    assert not entries.get(control_id="A.8.30").applicable


def test_it_sets_objectives_with_a_history_of_measurements(acme, catalog, people):
    summary = build(people)
    objectives = list(Objective.objects.for_org(acme).select_related("owner"))
    assert summary.objectives == len(objectives) == 4
    assert {o.status for o in objectives} == {"planned", "on_track", "at_risk"}
    assert not {o.owner.email for o in objectives} & {"auditor@kestrel.test", "viewer@kestrel.test"}
    progress = progress_of(objectives).values()
    assert all(p.measurements for p in progress)
    assert {p.trend for p in progress} == {"improving", None}  # None: no numeric target
    assert sum(1 for p in progress if p.target_met) == 1
    assert ObjectiveMeasurement.objects.for_org(acme).count() == 11


def test_it_spreads_statuses_and_owners_sensibly(acme, catalog, people):
    build(people)
    applicable = SoAEntry.objects.for_org(acme).filter(applicable=True)
    statuses = Counter(applicable.values_list("status", flat=True))
    assert statuses[ImplementationStatus.IMPLEMENTED] > len(applicable) / 2
    assert statuses[ImplementationStatus.PARTIALLY_IMPLEMENTED] > 0
    assert statuses[ImplementationStatus.PLANNED] > 0
    owners = set(applicable.values_list("control_owner__email", flat=True))
    assert len(owners) >= 5 and None not in owners
    assert not owners & {"auditor@kestrel.test", "viewer@kestrel.test"}
    unit = OrgUnit.objects.get(organization=acme, name="Office Ljubljana")
    assert unit.manager == people["facilities"].user


def test_it_is_idempotent(acme, catalog, people):
    build(people)
    before = ledger_count(acme)
    versions = dict(SoAEntry.objects.for_org(acme).values_list("control_id", "version"))
    summary = build(people)
    assert summary.changed == []
    assert ledger_count(acme) == before
    assert dict(SoAEntry.objects.for_org(acme).values_list("control_id", "version")) == versions
    assert ScopeStatement.objects.for_org(acme).count() == 1
    assert OrgUnit.objects.for_org(acme).count() == 8
    assert Objective.objects.for_org(acme).count() == 4


def test_it_falls_back_to_members_who_may_own_controls(acme, catalog, isla, colin, audrey):
    members = {"isms_manager": isla.user, "colin": colin.user, "auditor": audrey.user}
    build_isms_demo(isla.ctx, members)
    owners = set(SoAEntry.objects.for_org(acme).values_list("control_owner__email", flat=True))
    assert owners <= {"isla@acme.test", "colin@acme.test"}
    # nobody but its author may approve the scope: it stays unapproved
    assert not ScopeStatement.current(acme).is_approved


def test_it_writes_its_justifications_per_control():
    rows = demo_data()["soa"]
    assert len({row["control"] for row in rows}) == len(rows) == 93
    justifications = [row["justification"] for row in rows]
    assert len(set(justifications)) == 93  # reasoned per control, never a template
    assert all(len(text) > 60 for text in justifications)
