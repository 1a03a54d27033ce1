"""Creating and working a corrective action: source, owner, plan revisions, root cause."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.actions import services
from annexa.actions.tests.conftest import PLAN
from annexa.findings.tests.conftest import ledger_actions
from annexa.ledger.models import LedgerEntry


def test_it_creates_an_action_from_a_nonconformity(action, open_nc, colin, acme):
    assert action.reference == "CA-0001" and action.status == "open"
    assert (action.source, action.finding, action.control_id) == ("finding", open_nc, "A.8.5")
    assert action.title == f"Correct {open_nc.reference}: {open_nc.title}"
    assert [(r.number, r.plan) for r in action.revisions.all()] == [(1, PLAN)]
    open_nc.refresh_from_db()
    assert open_nc.status == "in_progress"
    assert ledger_actions(acme, "corrective_action") == ["create"]
    assert ledger_actions(acme, "finding")[-1] == "corrective_action"


def test_it_takes_actions_from_management_review_without_a_finding(isla, colin, control):
    action = services.create_action(
        isla.ctx,
        source="management_review",
        source_reference="MR 2026-1, decision 4",
        title="Quarterly restore tests",
        plan="Schedule them.",
        owner=colin.user,
        due_date="2026-09-30",
        control="A.8.5",
    )
    assert action.finding is None and action.due_date == dt.date(2026, 9, 30)
    with pytest.raises(ValidationError, match="names its finding"):
        services.create_action(
            isla.ctx, source="finding", title="x", plan="y", owner=colin.user, due_date="2026-01-01"
        )


def test_it_refuses_a_bad_action_with_every_reason(isla, open_nc, vera, oscar):
    with pytest.raises(ValidationError) as caught:
        services.create_action(
            isla.ctx, finding=open_nc, plan=" ", owner=vera.user, due_date="soon"
        )
    assert set(caught.value.message_dict) == {"plan", "owner", "due_date"}
    with pytest.raises(ValidationError, match="not a member"):
        services.create_action(
            isla.ctx, finding=open_nc, plan="x", owner=oscar.user, due_date="2026-01-01"
        )


def test_it_answers_only_open_nonconformities(isla, colin, draft, audrey, control):
    with pytest.raises(ValidationError, match="draft"):
        services.create_action(
            isla.ctx, finding=draft, plan="x", owner=colin.user, due_date="2026-01-01"
        )
    from annexa.findings import services as findings

    ofi = findings.raise_finding(audrey.ctx, grade="ofi", control="A.8.5", statement="Idea.")
    with pytest.raises(ValidationError, match="not a nonconformity"):
        services.create_action(
            isla.ctx, finding=ofi, plan="x", owner=colin.user, due_date="2026-01-01"
        )


def test_it_keeps_auditors_and_viewers_from_managing_actions(audrey, vera, open_nc, colin):
    for persona in (audrey, vera):
        with pytest.raises(PermissionDenied):
            services.create_action(
                persona.ctx, finding=open_nc, plan="x", owner=colin.user, due_date="2026-01-01"
            )


def test_it_records_each_plan_change_as_a_revision(action, isla, acme):
    services.update_action(isla.ctx, action, {"plan": "A better plan."}, "Scope was too narrow.")
    action.refresh_from_db()
    assert action.plan_revision == 2
    revision = action.revisions.get(number=2)
    assert (revision.plan, revision.reason) == ("A better plan.", "Scope was too narrow.")
    entry = LedgerEntry.objects.filter(organization=acme, action="update").get()
    assert json.loads(entry.data)["after"] == {"plan": "A better plan.", "plan_revision": 2}


def test_it_cleans_the_five_whys(action, colin):
    services.set_root_cause(
        colin.ctx,
        action,
        "  Exemptions.  ",
        [{"why": " Why? ", "because": "Because."}, {"why": "", "because": ""}],
    )
    action.refresh_from_db()
    assert action.root_cause == "Exemptions."
    assert action.five_whys == [{"why": "Why?", "because": "Because."}]
    with pytest.raises(ValidationError, match="why before because"):
        services.set_root_cause(colin.ctx, action, "", [{"why": "", "because": "x"}])
    with pytest.raises(ValidationError, match="keys why and because"):
        services.set_root_cause(colin.ctx, action, "", [{"question": "x"}])
    with pytest.raises(ValidationError, match="10 rows"):
        services.set_root_cause(colin.ctx, action, "", [{"why": str(n)} for n in range(11)])


def test_it_needs_the_root_cause_before_implementation(action, colin):
    services.start_action(colin.ctx, action)
    with pytest.raises(ValidationError, match="root cause"):
        services.implement_action(colin.ctx, action)
    services.set_root_cause(colin.ctx, action, "Exemptions.")
    implemented = services.implement_action(colin.ctx, action, "Done.")
    assert implemented.status == "implemented" and implemented.implemented_at is not None


def test_it_moves_forward_only(action, colin):
    with pytest.raises(ValidationError, match="in progress"):
        services.implement_action(colin.ctx, action)
    services.start_action(colin.ctx, action)
    with pytest.raises(ValidationError, match="while it is open"):
        services.start_action(colin.ctx, action)


def test_it_freezes_the_plan_once_implemented(implemented, isla):
    with pytest.raises(ValidationError, match="only an effectiveness review"):
        services.update_action(isla.ctx, implemented, {"plan": "Another plan."})
    moved = services.update_action(isla.ctx, implemented, {"due_date": "2030-01-01"})
    assert moved.due_date == dt.date(2030, 1, 1)
