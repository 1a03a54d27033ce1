"""A finding from draft to closed: who may open, acknowledge and close it, and when."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import AuditStatus
from annexa.audits.models import Audit
from annexa.audits.tests.factories import make_audit
from annexa.findings import services
from annexa.findings.choices import FindingStatus
from annexa.findings.tests.builders import closed_action
from annexa.findings.tests.conftest import ledger_actions, start_fieldwork


def test_it_lets_nobody_approve_their_own_finding(draft, audrey):
    with pytest.raises(PermissionDenied, match="you are its raiser"):
        services.open_finding(audrey.ctx, draft)


def test_it_opens_a_complete_draft_by_someone_independent(draft, isla, acme):
    opened = services.open_finding(isla.ctx, draft)
    assert opened.status == FindingStatus.OPEN and opened.opened_by == isla.user
    assert ledger_actions(acme, "finding") == ["raise", "open"]


def test_it_lists_what_a_draft_lacks_before_opening(audrey, isla, control, soa):
    draft = services.raise_finding(
        audrey.ctx, grade="major_nc", control="A.8.5", statement="No MFA for admins."
    )
    with pytest.raises(ValidationError) as caught:
        services.open_finding(isla.ctx, draft)
    problems = " ".join(caught.value.message_dict["status"])
    assert "own words" in problems and "kind of gap" in problems and "evidence" in problems


def test_it_withdraws_a_draft_with_a_reason(draft, audrey, isla):
    with pytest.raises(ValidationError, match="required"):
        services.withdraw_finding(audrey.ctx, draft, "  ")
    withdrawn = services.withdraw_finding(audrey.ctx, draft, "Raised twice by mistake.")
    assert withdrawn.status == FindingStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="withdrawn"):
        services.open_finding(isla.ctx, withdrawn)


def test_it_cannot_be_closed_by_whoever_raised_it(open_nc, audrey, colin, isla, alice):
    closed_action(open_nc, colin, audrey, isla)
    with pytest.raises(PermissionDenied, match="you are its raiser"):
        services.close_finding(audrey.ctx, open_nc, note="Verified.")
    assert services.close_finding(alice.ctx, open_nc, note="Verified.").status == "closed"


def test_it_cannot_be_closed_by_the_control_owner(open_nc, soa, audrey, colin, isla, alice):
    closed_action(open_nc, colin, audrey, isla)
    soa.control_owner = alice.user
    soa.save()
    with pytest.raises(PermissionDenied, match="you are the SoA control owner of A"):
        services.close_finding(alice.ctx, open_nc, note="Verified.")


def test_it_cannot_be_closed_by_an_auditee(open_nc, audrey, colin, isla):
    closed_action(open_nc, colin, audrey, isla)
    open_nc.auditees.add(isla.user)
    with pytest.raises(PermissionDenied, match="auditee"):
        services.close_finding(isla.ctx, open_nc, note="Verified.")


def test_it_cannot_be_closed_by_the_member_responsible_for_its_requirement(
    audrey, isla, alice, colin, control, version
):
    from annexa.audits.models import RequirementOwner

    finding = services.raise_finding(
        audrey.ctx,
        grade="observation",
        requirement="7.2",
        requirement_statement="People are competent for their role.",
        statement="Training records live in one person's mailbox.",
    )
    services.open_finding(isla.ctx, finding)
    services.acknowledge_finding(colin.ctx, finding)
    RequirementOwner.objects.create(
        organization=finding.organization, requirement_id="7", user=alice.user
    )
    with pytest.raises(PermissionDenied, match=r"responsible for requirement 7\.2"):
        services.close_finding(alice.ctx, finding, note="Documented.")


def test_it_needs_closed_corrective_actions_to_close_a_nonconformity(open_nc, alice):
    with pytest.raises(ValidationError, match="Raise a corrective action first"):
        services.close_finding(alice.ctx, open_nc, note="Verified.")


def test_it_keeps_a_nonconformity_open_while_an_action_is_open(open_nc, colin, alice):
    import datetime as dt

    from annexa.actions import services as actions

    action = actions.create_action(
        colin.ctx,
        finding=open_nc,
        plan="Enforce MFA.",
        owner=colin.user,
        due_date=dt.date(2030, 1, 1),
    )
    open_nc.refresh_from_db()
    assert open_nc.status == FindingStatus.IN_PROGRESS
    with pytest.raises(ValidationError, match=action.reference):
        services.close_finding(alice.ctx, open_nc, note="Verified.")


def test_it_remembers_the_audit_that_raised_it_and_the_one_that_closed_it(
    open_nc, audit, audrey, colin, isla, alice, acme
):
    closed_action(open_nc, colin, audrey, isla)
    with pytest.raises(ValidationError, match="follow-up or later audit"):
        services.close_finding(alice.ctx, open_nc, note="Verified.", closed_in=audit)
    follow_up = make_audit(acme)
    with pytest.raises(ValidationError, match="fieldwork"):
        services.close_finding(alice.ctx, open_nc, note="Verified.", closed_in=follow_up)
    follow_up = start_fieldwork(follow_up)
    closed = services.close_finding(alice.ctx, open_nc, note="Re-tested.", closed_in=follow_up)
    closed.refresh_from_db()
    assert (closed.raised_in, closed.closed_in) == (audit, follow_up)
    assert closed.closed_by == alice.user and closed.closure_note == "Re-tested."
    assert ledger_actions(acme, "finding")[-1] == "close"


def test_it_refuses_a_closing_audit_planned_before_the_raising_one(
    open_nc, audit, audrey, colin, isla, alice, acme
):
    closed_action(open_nc, colin, audrey, isla)
    earlier = make_audit(acme)
    Audit.objects.filter(pk=earlier.pk).update(
        planned_start=audit.planned_start.replace(year=2025),
        planned_end=audit.planned_end.replace(year=2025),
        status=AuditStatus.CLOSED,
    )
    earlier.refresh_from_db()
    with pytest.raises(ValidationError, match="later audit"):
        services.close_finding(alice.ctx, open_nc, note="x", closed_in=earlier)


def test_it_closes_an_observation_once_acknowledged(audrey, isla, colin, alice, control):
    finding = services.raise_finding(
        audrey.ctx,
        grade="observation",
        control="A.8.5",
        requirement_statement="Admin access keeps working when its owner is away.",
        statement="Only one person can reset the identity provider.",
    )
    services.open_finding(isla.ctx, finding)
    with pytest.raises(ValidationError, match="acknowledged"):
        services.close_finding(alice.ctx, finding, note="Seen.")
    with pytest.raises(PermissionDenied):
        services.acknowledge_finding(audrey.ctx, finding)  # auditors do not respond
    services.acknowledge_finding(colin.ctx, finding, "We will train a deputy.")
    assert services.close_finding(alice.ctx, finding, note="Deputy trained.").status == "closed"


def test_it_answers_a_nonconformity_with_an_action_not_an_acknowledgement(open_nc, colin):
    with pytest.raises(ValidationError, match="corrective action"):
        services.acknowledge_finding(colin.ctx, open_nc)


def test_it_explains_the_conflicts_of_a_person(open_nc, audrey, colin, isla):
    assert services.conflicts(open_nc, audrey.user) == ["its raiser"]
    assert services.conflicts(open_nc, colin.user) == [
        "the SoA control owner of A.8.5",
        "one of its auditees",
    ]
    assert services.conflicts(open_nc, isla.user) == []
