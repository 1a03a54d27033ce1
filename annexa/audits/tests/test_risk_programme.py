"""The programme planner (9.2.2) audits more often the controls and areas of the risks above the
acceptance threshold, and says why: in the weight of each item, in the reason of each audit's
scope, and in the programme's plan basis. The risk register feeds the planner through the
emphasis source it registers (``risks.services.integration``); audits never imports it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annexa.audits.models import AuditControl, AuditUnit
from annexa.audits.services import coverage, planner
from annexa.audits.services import programme as programme_service
from annexa.isms.models import OrgUnit
from annexa.isms.tests.test_risk_soa import imports_of
from annexa.risks.models import Asset
from annexa.risks.services import assets as asset_service
from annexa.risks.services import risks as risk_service

from .conftest import START


@pytest.fixture
def high_risk(demo, isla, colin):
    """A risk above the threshold (residual 3 × 4 = 12) that chose A.8.9 (implemented, so
    weight 1 without it) on Production AWS (a scope unit), and one below it that chose A.8.20."""
    asset_service.from_scope(isla.ctx)
    production = Asset.objects.for_org(demo).get(name="Production AWS")
    office = Asset.objects.for_org(demo).get(name="Office Ljubljana")
    high = risk_service.create_risk(
        isla.ctx,
        {
            "title": "Public storage bucket",
            "owner": colin.user,
            "assets": [production],
            "inherent_likelihood": 4,
            "inherent_impact": 5,
            "treatment": "modify",
            "controls": ["A.8.9"],
            "residual_likelihood": 3,
            "residual_impact": 4,
        },
    )
    risk_service.create_risk(
        isla.ctx,
        {
            "title": "Office network intrusion",
            "owner": colin.user,
            "assets": [office],
            "inherent_likelihood": 2,
            "inherent_impact": 2,
            "treatment": "modify",
            "controls": ["A.8.20"],
            "residual_likelihood": 1,
            "residual_impact": 2,
        },
    )
    return high


def test_a_control_of_a_high_risk_weighs_more_with_the_risk_named(demo, high_risk):
    weights = planner.item_weights(demo, coverage.required_items(demo))
    assert weights["A.8.9"].weight == 2
    assert weights["A.8.9"].factors == [
        f"treats risk {high_risk.reference} (residual High, 12) above the risk acceptance "
        "threshold (9)"
    ]
    assert weights["A.8.20"].weight == 1  # its risk is within the acceptance criteria


def test_the_programme_audits_them_every_year_and_shows_why(demo, high_risk, isla, client_for):
    created = programme_service.create_programme(isla.ctx, start_date=START)
    programme = programme_service.plan_programme(isla.ctx, created)
    matrix = coverage.compute(programme)
    years = {a.cycle_year for a in planner.build_slots(START, programme.end_date, [])}
    assert matrix.count("A.8.9") == len(years) == 3
    assert matrix.count("A.8.20") == 1
    basis = programme.plan_basis
    assert basis["weighted"]["A.8.9"]["factors"][0].startswith(f"treats risk {high_risk.reference}")
    assert basis["weighted_units"] == {
        "Production AWS": {
            "weight": 2,
            "factors": [
                f"Area of risk {high_risk.reference} (residual High, 12) above the risk "
                "acceptance threshold (9)"
            ],
        }
    }
    reason = AuditControl.objects.filter(audit__programme=programme, control_id="A.8.9").first()
    assert "every cycle year" in reason.reason and high_risk.reference in reason.reason
    unit = OrgUnit.objects.get(organization=demo, name="Production AWS")
    visits = AuditUnit.objects.filter(audit__programme=programme, unit=unit)
    assert visits.count() == 3
    assert all(high_risk.reference in v.reason and "every cycle year" in v.reason for v in visits)
    office = OrgUnit.objects.get(organization=demo, name="Office Ljubljana")
    assert AuditUnit.objects.filter(audit__programme=programme, unit=office).count() == 1
    page = client_for(isla).get(
        reverse("audits:programme", kwargs={"org": demo.slug, "pk": programme.pk})
    )
    assert f"treats risk {high_risk.reference}" in page.content.decode()


def test_a_treated_risk_no_longer_raises_the_frequency(demo, high_risk, isla):
    risk_service.update_risk(isla.ctx, high_risk, {"residual_likelihood": 1})
    weights = planner.item_weights(demo, coverage.required_items(demo))
    assert weights["A.8.9"].weight == 1
    assert planner.emphasis(demo) == planner.Emphasis()


def test_without_a_registered_source_the_planner_plans_as_before(demo, high_risk, monkeypatch):
    monkeypatch.setattr(planner, "_EMPHASIS_SOURCES", [])
    weights = planner.item_weights(demo, coverage.required_items(demo))
    assert weights["A.8.9"].weight == 1


def test_audits_does_not_import_the_risk_register():
    import annexa.audits

    assert imports_of(annexa.audits, "annexa.risks") == []
