"""Programmes: creation with milestones, gaps blocking approval, reasons, withdrawal, ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import ProgrammeStatus
from annexa.audits.services import audits as audit_service
from annexa.audits.services import coverage
from annexa.audits.services import programme as programme_service

from .conftest import START, ledger_actions


def test_it_creates_a_three_year_programme_with_milestones(acme, isla):
    programme = programme_service.create_programme(
        isla.ctx, start_date=START, objectives="Prepare for certification."
    )
    assert programme.end_date == dt.date(2029, 1, 4)
    assert programme.criteria == "ISO/IEC 27001:2022"
    assert programme.status == ProgrammeStatus.DRAFT
    kinds = list(programme.milestones.values_list("kind", flat=True))
    assert kinds == ["stage_1", "stage_2", "surveillance_1", "surveillance_2", "recertification"]
    assert ledger_actions(acme, "audit_programme") == ["create"]


def test_it_refuses_a_milestone_outside_the_cycle(acme, isla):
    with pytest.raises(ValidationError) as caught:
        programme_service.create_programme(
            isla.ctx, start_date=START, milestones={"stage_1": dt.date(2030, 1, 1)}
        )
    assert "within the cycle" in str(caught.value)


def test_it_refuses_viewers_and_auditors(acme, vera, audrey):
    for persona in (vera, audrey):
        with pytest.raises(PermissionDenied):
            programme_service.create_programme(persona.ctx, start_date=START)


def test_it_approves_a_programme_without_gaps(programme, isla):
    approved = programme_service.approve_programme(isla.ctx, programme)
    assert approved.status == ProgrammeStatus.APPROVED
    assert approved.approved_by == isla.user
    assert "approve" in ledger_actions(programme.organization, "audit_programme")


def test_it_shows_the_gap_of_a_removed_audit_and_blocks_approval(programme, isla):
    audit = programme.audits.order_by("planned_start").first()
    only_here = [
        cid
        for cid in audit.scope_controls.values_list("control_id", flat=True)
        if coverage.compute(programme).count(cid) == 1
    ]
    assert only_here
    audit_service.delete_audit(isla.ctx, audit)
    matrix = coverage.compute(programme)
    gap_ids = {g.id for g in matrix.gaps}
    assert set(only_here) <= gap_ids
    with pytest.raises(ValidationError) as caught:
        programme_service.approve_programme(isla.ctx, programme)
    message = str(caught.value)
    assert "no recorded reason" in message and only_here[0] in message
    for item_id in sorted(gap_ids):
        programme_service.record_gap_reason(
            isla.ctx, programme, item_id, "Audited by the certification body's stage 1 instead."
        )
    approved = programme_service.approve_programme(isla.ctx, programme)
    assert approved.status == ProgrammeStatus.APPROVED
    assert coverage.compute(programme).unexplained_gaps == []


def test_it_refuses_a_reason_for_an_item_that_is_not_a_gap(programme, isla):
    with pytest.raises(ValidationError, match="Not a gap"):
        programme_service.record_gap_reason(isla.ctx, programme, "A.5.1", "No need.")


def test_it_withdraws_approval_when_the_plan_changes(programme, isla):
    programme_service.approve_programme(isla.ctx, programme)
    audit = programme.audits.first()
    scope = audit_service.Scope(requirements={"4.1": "Extra"})
    audit_service.set_scope(isla.ctx, audit, scope)
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT
    assert programme.approved_at is None
    actions = ledger_actions(programme.organization, "audit_programme")
    assert actions[-1] == "approval_withdrawn"


def test_it_plans_again_only_before_audits_start(programme, isla, audrey):
    first = list(programme.audits.values_list("reference", flat=True))
    programme_service.plan_programme(isla.ctx, programme)
    assert list(programme.audits.values_list("reference", flat=True)) == first
    audit = programme.audits.first()
    audit_service.transition(audrey.ctx, audit, "preparing")
    with pytest.raises(ValidationError, match="under way"):
        programme_service.plan_programme(isla.ctx, programme)


def test_it_moves_a_milestone_and_edits_texts(programme, isla):
    programme_service.set_milestone(isla.ctx, programme, "stage_1", dt.date(2026, 5, 4))
    assert programme.milestones.get(kind="stage_1").date == dt.date(2026, 5, 4)
    programme_service.update_programme(isla.ctx, programme, {"resources": "Two auditors."})
    programme.refresh_from_db()
    assert programme.resources == "Two auditors."
    actions = ledger_actions(programme.organization, "audit_programme")
    assert actions[-2:] == ["milestone", "update"]
