"""The planner: dates before each external audit, full coverage, weighted items more often."""

from __future__ import annotations

import datetime as dt

from annexa.audits.choices import MilestoneKind
from annexa.audits.models import Audit, AuditControl
from annexa.audits.services import coverage, planner
from annexa.catalog.models import Requirement
from annexa.isms.models import SoAEntry

from .conftest import START


def test_it_plans_an_audit_before_each_external_audit(programme):
    audits = list(Audit.objects.filter(programme=programme).select_related("milestone"))
    milestones = {m.kind: m.date for m in programme.milestones.all()}
    assert len(milestones) == 5
    prepared = {a.milestone.kind for a in audits if a.milestone}
    assert prepared == set(MilestoneKind.values)
    for audit in audits:
        if audit.milestone:
            assert audit.planned_end < audit.milestone.date
    years = {planner.year_of(programme.start_date, a.planned_start) for a in audits}
    assert years == {1, 2, 3}


def test_it_covers_every_auditable_requirement_and_applicable_control(programme, demo):
    matrix = coverage.compute(programme)
    applicable = SoAEntry.objects.for_org(demo).filter(applicable=True).count()
    auditable = Requirement.objects.filter(auditable=True).count()
    assert applicable >= 80
    assert matrix.summary()["controls"] == applicable
    assert matrix.summary()["requirements"] == auditable
    assert matrix.gaps == []


def test_it_audits_weighted_controls_more_often(programme, demo):
    matrix = coverage.compute(programme)
    weighted = set(programme.plan_basis["weighted"])
    partial = SoAEntry.objects.for_org(demo).get(control_id="A.8.8")
    assert partial.status == "partially_implemented"
    assert "A.8.8" in weighted
    implemented = [
        e.control_id
        for e in SoAEntry.objects.for_org(demo).filter(applicable=True, status="implemented")
    ]
    assert all(matrix.count(cid) == 1 for cid in implemented)
    assert all(matrix.count(cid) == 3 for cid in weighted)


def test_it_explains_why_each_item_is_in_each_audit(programme):
    rows = AuditControl.objects.filter(audit__programme=programme)
    assert rows.exists()
    assert all(row.reason and row.origin == "planner" for row in rows)
    weighted = rows.get(control_id="A.8.8", audit__planned_start__year=2027)
    assert "partially implemented" in weighted.reason
    assert "every cycle year" in weighted.reason


def test_it_weights_items_with_an_open_nonconformity(programme, demo):
    from annexa.audits.models import ChecklistItem

    audit = programme.audits.first()
    ChecklistItem.objects.create(
        organization=demo, audit=audit, order=1, requirement_id="9.2.2.a", result="minor_nc"
    )
    weights = planner.item_weights(demo, coverage.required_items(demo))
    assert weights["9.2.2.a"].weight == 2
    assert f"open minor nonconformity from {audit.reference}" in weights["9.2.2.a"].factors


def test_it_plans_the_same_way_every_time(demo):
    milestones = [planner.MilestoneDate(k, d) for k, d in planner.default_milestones(START).items()]
    end = planner.cycle_end(START, 3)
    first = planner.propose(demo, START, end, milestones)
    second = planner.propose(demo, START, end, milestones)
    assert [(s.planned_start, s.requirements, s.controls) for s in first.slots] == [
        (s.planned_start, s.requirements, s.controls) for s in second.slots
    ]


def test_it_adds_an_audit_in_a_year_without_external_audit(demo):
    milestones = [planner.MilestoneDate(MilestoneKind.STAGE_1, dt.date(2026, 3, 1))]
    plan = planner.propose(demo, START, planner.cycle_end(START, 3), milestones)
    assert [s.cycle_year for s in plan.slots] == [1, 2, 3]
    assert plan.slots[0].planned_end == dt.date(2026, 2, 15)


def test_it_splits_groups_evenly_without_breaking_them():
    groups = [[1, 2, 3], [4], [5, 6], [7], [8, 9]]
    parts = planner.split_evenly(groups, 3)
    assert [x for part in parts for x in part] == list(range(1, 10))
    assert all(2 <= len(part) <= 4 for part in parts)
