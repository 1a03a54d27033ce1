"""Effectiveness reviews and closing: never by the owner, never without a review, and with
the control's automated test results since the fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.actions import services
from annexa.actions.models import CorrectiveAction
from annexa.findings.tests.conftest import ledger_actions


def review(persona, action, conclusion="effective", **extra):
    return services.record_review(
        persona.ctx,
        action,
        method=extra.pop("method", "document_review"),
        conclusion=conclusion,
        notes="Checked the sign-in log since the fix.",
        **extra,
    )


def test_it_cannot_be_closed_by_its_owner(implemented, colin, audrey, isla):
    from annexa.orgs.services import change_role

    review(audrey, implemented)
    change_role(isla.ctx, colin.membership, "isms_manager")  # now holds actions.review
    colin.membership.refresh_from_db()
    with pytest.raises(PermissionDenied, match="someone other than its owner"):
        services.close_action(colin.ctx, implemented)
    assert services.close_action(isla.ctx, implemented).status == "closed"


def test_it_cannot_be_closed_without_an_effectiveness_review(implemented, isla, acme):
    with pytest.raises(ValidationError, match="needs an effectiveness review"):
        services.close_action(isla.ctx, implemented)
    assert CorrectiveAction.objects.get(pk=implemented.pk).status == "implemented"
    assert "close" not in ledger_actions(acme, "corrective_action")


def test_it_lets_nobody_review_their_own_action(implemented, colin, isla, action):
    from annexa.orgs.services import change_role

    change_role(isla.ctx, colin.membership, "isms_manager")
    colin.membership.refresh_from_db()
    with pytest.raises(PermissionDenied, match="someone other than its owner"):
        review(colin, implemented)


def test_it_records_an_effective_review_and_closes(implemented, audrey, isla, version, acme):
    done = review(audrey, implemented, evidence=[version], reviewed_on=timezone.localdate())
    assert (done.reviewer, done.conclusion, done.plan_revision) == (audrey.user, "effective", 1)
    assert list(done.evidence.all()) == [version] and done.automated == {}
    action = services.close_action(isla.ctx, implemented, "Effective.")
    assert action.status == "closed" and action.closed_by == isla.user
    assert ledger_actions(acme, "corrective_action")[-2:] == ["review", "close"]


def test_it_sends_an_ineffective_action_back_with_a_new_plan(implemented, audrey):
    with pytest.raises(ValidationError, match="new plan"):
        review(audrey, implemented, "not_effective")
    review(audrey, implemented, "not_effective", new_plan="Block password-only sign-in.")
    action = CorrectiveAction.objects.get(pk=implemented.pk)
    assert action.status == "in_progress" and action.implemented_at is None
    assert action.plan_revision == 2 and action.plan == "Block password-only sign-in."
    revision = action.revisions.get(number=2)
    assert "found the action not effective" in revision.reason


def test_it_only_reviews_implemented_actions_on_sane_dates(action, implemented, audrey):
    with pytest.raises(ValidationError, match="between the fix and today"):
        review(audrey, implemented, reviewed_on=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        services.record_review(
            audrey.ctx, implemented, method="guess", conclusion="maybe", notes=""
        )
    assert set(caught.value.message_dict) == {"method", "conclusion", "notes"}


def test_it_shows_no_automated_test_when_none_ran(implemented):
    check = services.automated_results(implemented)
    assert check.control_id == "A.8.5" and not check.has_test and check.results == []


def make_result(org, test_id, status, observed_at, control_ids=("A.8.5",)):
    from annexa.evidence.tests.factories import make_version
    from annexa.monitoring.models import TestResult, TestRun

    run = TestRun.objects.create(
        organization=org,
        version=make_version(org),
        kind="accounts",
        stream="idp",
        suite="s" * 64,
        observed_at=observed_at,
        status="succeeded",
    )
    return TestResult.objects.create(
        organization=org,
        run=run,
        test_id=test_id,
        status=status,
        reason=f"{status} at {observed_at:%H:%M}",
        control_ids=list(control_ids),
        stream="idp",
        observed_at=observed_at,
        is_latest=False,
    )


def test_it_shows_the_automated_results_since_the_fix(implemented, acme, audrey):
    fixed = implemented.implemented_at
    make_result(acme, "accounts_mfa_enabled", "fail", fixed - dt.timedelta(days=1))
    make_result(acme, "accounts_mfa_enabled", "pass", fixed + dt.timedelta(hours=1))
    make_result(acme, "ocsf_mfa", "pass", fixed + dt.timedelta(hours=2))
    check = services.automated_results(implemented)
    assert check.has_test and (check.passed, check.failed) == (2, 0)
    assert [r["test_id"] for r in check.results] == ["accounts_mfa_enabled", "ocsf_mfa"]
    done = review(audrey, implemented, method="automated_test")
    assert done.automated["passed"] == 2 and done.automated["since"] == fixed.isoformat()


def test_it_refuses_an_automated_review_without_results_since_the_fix(implemented, acme, audrey):
    make_result(acme, "accounts_mfa_enabled", "fail", implemented.implemented_at - dt.timedelta(1))
    assert services.automated_results(implemented).has_test
    with pytest.raises(ValidationError, match="no automated test results since the fix"):
        review(audrey, implemented, method="automated_test")


def test_it_keeps_the_owner_once_verified(implemented, audrey, isla, alice):
    review(audrey, implemented)
    with pytest.raises(ValidationError, match="owner no longer changes"):
        services.update_action(isla.ctx, implemented, {"owner": alice.user})
