"""Assessing, treating and accepting a risk: who may, what is derived, what is recorded."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.ledger.models import LedgerEntry
from annexa.risks.choices import RiskStatus
from annexa.risks.services import risks


def test_creating_derives_score_level_and_review_date(phishing):
    assert (phishing.reference, phishing.inherent_score, phishing.inherent_level) == (
        "R-0001",
        16,
        "high",
    )
    assert phishing.status == RiskStatus.ASSESSED
    assert phishing.review_date > timezone.localdate()
    entry = LedgerEntry.objects.get(object_type="risk", action="create")
    assert entry.data_value["after"]["assets"] == ["AS-0001"]


def test_the_owner_treats_and_accepts_within_the_criteria(phishing, colin):
    risk = risks.update_risk(
        colin.ctx,
        phishing,
        {
            "treatment": "modify",
            "controls": ["A.8.5", "A.6.3"],
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    assert (risk.residual_score, risk.residual_level, risk.status) == (
        4,
        "low",
        RiskStatus.TREATMENT_PLANNED,
    )
    action = risks.add_action(
        colin.ctx,
        risk,
        {"title": "Enforce MFA", "owner": colin.user, "due_date": "2027-01-31", "control": "A.8.5"},
    )
    risk = risks.accept_residual(colin.ctx, risk)
    assert risk.status == RiskStatus.TREATMENT_PLANNED  # an action is still open
    assert risk.acceptance["level"] == "low" and risk.acceptance["methodology"] == 1
    risks.update_action(colin.ctx, action, {"status": "done"})
    risk.refresh_from_db()
    assert risk.status == RiskStatus.TREATED


def test_a_high_residual_risk_is_accepted_by_top_management_only(phishing, colin, isla):
    risk = risks.update_risk(
        isla.ctx,
        phishing,
        {"treatment": "retain", "residual_likelihood": 3, "residual_impact": 4},
    )
    assert risk.residual_level == "high"
    with pytest.raises(ValidationError, match="accepted by: Owner"):
        risks.accept_residual(colin.ctx, risk)
    with pytest.raises(ValidationError, match="only the risk owner"):
        risks.accept_residual(isla.ctx, risk)


def test_above_the_threshold_a_reason_is_required(phishing, colin, alice, isla):
    risks.update_risk(isla.ctx, phishing, {"owner": alice.user})
    risk = risks.update_risk(
        alice.ctx, phishing, {"treatment": "retain", "residual_likelihood": 3, "residual_impact": 4}
    )
    with pytest.raises(ValidationError, match="above the acceptance threshold"):
        risks.accept_residual(alice.ctx, risk)
    risk = risks.accept_residual(alice.ctx, risk, "Insurance covers it until the 2027 migration.")
    assert risk.acceptance["above_threshold"] is True


def test_changing_the_residual_basis_withdraws_the_acceptance(phishing, colin):
    risk = risks.update_risk(
        colin.ctx, phishing, {"treatment": "modify", "residual_likelihood": 1, "residual_impact": 3}
    )
    risk = risks.accept_residual(colin.ctx, risk)
    risk = risks.update_risk(colin.ctx, risk, {"residual_impact": 4}, reason="new data")
    assert not risk.is_accepted and risk.acceptance == {}
    entry = LedgerEntry.objects.filter(object_type="risk", action="update").last()
    data = entry.data_value
    assert data["acceptance_withdrawn"] is True and data["reason"] == "new data"


def test_who_may_change_a_risk(phishing, audrey, vera, colin, isla):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    other = make_persona(isla.ctx.org, "carl@acme.test", Role.CONTROL_OWNER)
    for person in (audrey, vera, other):
        with pytest.raises(PermissionDenied):
            risks.update_risk(person.ctx, phishing, {"title": "Renamed"})
    assert risks.update_risk(colin.ctx, phishing, {"title": "Renamed"}).title == "Renamed"


def test_bad_values_are_refused_all_at_once(phishing, colin):
    with pytest.raises(ValidationError) as caught:
        risks.update_risk(
            colin.ctx,
            phishing,
            {"inherent_likelihood": 9, "treatment": "ignore", "controls": ["A.9.9"], "colour": 1},
        )
    assert set(caught.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as caught:
        risks.update_risk(
            colin.ctx,
            phishing,
            {"inherent_likelihood": 9, "treatment": "ignore", "controls": ["A.9.9"]},
        )
    assert set(caught.value.message_dict) == {"inherent_likelihood", "treatment", "controls"}
    with pytest.raises(ValidationError, match="cannot be higher than the inherent"):
        risks.update_risk(colin.ctx, phishing, {"residual_likelihood": 5, "residual_impact": 5})


def _manager(risk):
    from annexa.core.tenancy import OrgContext

    return OrgContext.system(risk.organization)


def test_overdue_review_and_actions(phishing, colin):
    from annexa.risks.services import reporting

    risks.update_risk(colin.ctx, phishing, {"review_date": "2020-01-01"})
    late = risks.add_action(
        colin.ctx,
        phishing,
        {"title": "Late", "owner": colin.user, "due_date": timezone.localdate() - dt.timedelta(1)},
    )
    assert [r.reference for r in reporting.overdue_reviews(phishing.organization)] == ["R-0001"]
    assert reporting.overdue_actions(phishing.organization) == [late]
    risks.close_risk(_manager(phishing), phishing, "Retired.")
    assert reporting.overdue_actions(phishing.organization) == []  # a closed risk asks nothing
