"""Audits: references, scope edits, forward-only status with reopen, copy for the next cycle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.audits.choices import TeamRole
from annexa.audits.models import Audit, ChecklistItem
from annexa.audits.services import audits as service
from annexa.audits.services import independence, next_cycle
from annexa.audits.services import programme as programme_service
from annexa.reports.models import IssuedReport

from .conftest import ledger_actions

START = dt.date(2026, 1, 5)


@pytest.fixture
def programme(acme, catalog, isla):
    return programme_service.create_programme(isla.ctx, start_date=START)


def make(ctx, programme, **extra) -> Audit:
    fields = {
        "title": "Leadership and planning",
        "planned_start": dt.date(2026, 3, 2),
        "planned_end": dt.date(2026, 3, 4),
        "scope": service.Scope(requirements={"5.1.a": "Why not", "6.2.a": "Objectives"}),
    }
    fields.update(extra)
    return service.create_audit(ctx, programme, **fields)


def test_it_numbers_audits_per_organization_and_year(programme, isla):
    first = make(isla.ctx, programme)
    second = make(isla.ctx, programme)
    later = make(
        isla.ctx,
        programme,
        planned_start=dt.date(2027, 2, 1),
        planned_end=dt.date(2027, 2, 3),
    )
    assert [first.reference, second.reference, later.reference] == [
        "IA-2026-01",
        "IA-2026-02",
        "IA-2027-01",
    ]
    assert service.find(programme.organization, "ia-2026-02") == second
    assert service.find(programme.organization, str(later.uid)) == later
    with pytest.raises(Audit.DoesNotExist):
        service.find(programme.organization, "IA-1999-01")


def test_it_refuses_bad_dates_and_unknown_scope(programme, isla):
    with pytest.raises(ValidationError, match="within the programme's cycle"):
        make(
            isla.ctx, programme, planned_start=dt.date(2030, 1, 1), planned_end=dt.date(2030, 1, 2)
        )
    with pytest.raises(ValidationError, match="before the planned start"):
        make(isla.ctx, programme, planned_end=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="Unknown control"):
        make(isla.ctx, programme, scope=service.Scope(controls={"A.99.1": "?"}))


def test_it_moves_forward_one_step_at_a_time_and_records_it(programme, isla, audrey):
    audit = make(isla.ctx, programme)
    independence.add_team_member(isla.ctx, audit, audrey.user, TeamRole.LEAD)
    with pytest.raises(ValidationError, match="next status is preparing"):
        service.transition(audrey.ctx, audit, "fieldwork")
    for status in ("preparing", "fieldwork", "reporting"):
        audit = service.transition(audrey.ctx, audit, status)
    with pytest.raises(ValidationError, match="report of IA-2026-01 has not been issued"):
        service.transition(audrey.ctx, audit, "closed")
    IssuedReport.objects.create(
        organization=audit.organization, audit=audit, number=1, issued_at=timezone.now()
    )
    audit = service.transition(audrey.ctx, audit, "closed")
    assert audit.actual_start is not None and audit.actual_end is not None
    with pytest.raises(ValidationError, match="it is closed"):
        service.transition(audrey.ctx, audit, "planned")
    actions = ledger_actions(programme.organization, "audit")
    assert actions.count("transition") == 4


def test_it_lets_only_managers_reopen_with_a_reason(programme, isla, audrey, vera):
    audit = make(isla.ctx, programme)
    service.transition(audrey.ctx, audit, "preparing")
    with pytest.raises(PermissionDenied):
        service.reopen(audrey.ctx, audit, "planned", "Wrong dates.")
    with pytest.raises(PermissionDenied):
        service.transition(vera.ctx, audit, "fieldwork")
    with pytest.raises(ValidationError, match="Say why"):
        service.reopen(isla.ctx, audit, "planned", " ")
    reopened = service.reopen(isla.ctx, audit, "planned", "The scope must be redone.")
    assert reopened.status == "planned"
    assert ledger_actions(programme.organization, "audit")[-1] == "reopen"


def test_it_edits_fields_and_scope_keeping_reasons(programme, isla, colin):
    audit = make(isla.ctx, programme)
    service.update_audit(
        isla.ctx,
        audit,
        {"limitations": "The data centre could not be visited.", "auditees": [colin.user]},
    )
    service.set_scope(
        isla.ctx, audit, service.Scope(requirements={"5.1.a": "ignored", "9.1.a": "Added"})
    )
    reasons = dict(audit.scope_requirements.values_list("requirement_id", "reason"))
    assert reasons == {"5.1.a": "Why not", "9.1.a": "Added"}
    assert list(audit.auditees.all()) == [colin.user]
    assert ledger_actions(programme.organization, "audit")[-2:] == ["update", "scope"]


def test_it_removes_only_planned_audits(programme, isla, audrey):
    audit = make(isla.ctx, programme)
    service.transition(audrey.ctx, audit, "preparing")
    with pytest.raises(ValidationError, match="only planned audits"):
        service.delete_audit(isla.ctx, audit)


def test_it_copies_scope_and_team_into_the_next_cycle_without_results(
    programme, isla, audrey, colin
):
    audit = make(isla.ctx, programme)
    independence.add_team_member(isla.ctx, audit, audrey.user, TeamRole.LEAD)
    independence.add_team_member(isla.ctx, audit, colin.user)
    service.update_audit(isla.ctx, audit, {"limitations": "No access to payroll."})
    ChecklistItem.objects.create(
        organization=audit.organization,
        audit=audit,
        order=1,
        requirement_id="5.1.a",
        result="minor_nc",
    )
    for status in ("preparing", "fieldwork"):
        service.transition(audrey.ctx, audit, status)
    with pytest.raises(ValidationError, match="create the next cycle's programme first"):
        next_cycle.copy_for_next_cycle(isla.ctx, audit)
    following = programme_service.create_programme(isla.ctx, start_date=dt.date(2029, 1, 5))
    copy = next_cycle.copy_for_next_cycle(isla.ctx, audit)
    assert copy.programme == following
    assert copy.reference == "IA-2029-01"
    assert copy.status == "planned" and copy.actual_start is None and not copy.limitations
    assert copy.planned_start == dt.date(2029, 3, 2)
    assert set(copy.scope_requirements.values_list("requirement_id", flat=True)) == {
        "5.1.a",
        "6.2.a",
    }
    assert {(m.user, m.role) for m in copy.team_members.all()} == {
        (audrey.user, "lead"),
        (colin.user, "member"),
    }
    assert not copy.checklist_items.exists()
    assert copy.copied_from == audit
    assert copy.scope_requirements.first().reason.startswith(f"Copied from {audit.reference}")
