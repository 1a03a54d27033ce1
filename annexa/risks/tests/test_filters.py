"""The register's and the inventory's filters: what each parameter narrows, what it refuses."""

import datetime as dt

import pytest
from django.utils import timezone

from annexa.risks.filters import filter_assets, filter_risks
from annexa.risks.models import Asset, Risk
from annexa.risks.services import assets, risks


@pytest.fixture
def register(phishing, server, isla, colin):
    """R-0001 phishing (Colin, 4×4 high, on the server, treated with A.8.5 down to 2×2);
    R-0002 flood (Isla, 1×3, not on any asset); R-0003 unassessed; R-0004 closed."""
    risks.update_risk(
        isla.ctx,
        phishing,
        {
            "treatment": "modify",
            "controls": ["A.8.5"],
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    risks.create_risk(
        isla.ctx,
        {
            "title": "Flood in the server room",
            "owner": isla.user,
            "inherent_likelihood": 1,
            "inherent_impact": 3,
        },
    )
    risks.create_risk(isla.ctx, {"title": "Insider copies the customer list", "owner": isla.user})
    gone = risks.create_risk(
        isla.ctx,
        {
            "title": "Fax machine",
            "owner": isla.user,
            "inherent_likelihood": 5,
            "inherent_impact": 5,
        },
    )
    risks.close_risk(isla.ctx, gone, "The fax machine was thrown away.")
    return Risk.objects.for_org(isla.ctx.org).order_by("number")


def refs(queryset) -> list[str]:
    return [r.reference for r in queryset.order_by("number")]


def risks_where(register, acme, **params):
    queryset, form = filter_risks(register, params, acme)
    assert form.is_valid(), form.errors
    return refs(queryset)


def test_status_level_cell_and_owner(register, acme):
    assert risks_where(register, acme, status="open") == ["R-0001", "R-0002", "R-0003"]
    assert risks_where(register, acme, status="closed") == ["R-0004"]
    assert risks_where(register, acme, level="high") == ["R-0001"]
    assert risks_where(register, acme, level="low", basis="residual") == ["R-0001"]
    assert risks_where(register, acme, likelihood="4", impact="4") == ["R-0001"]
    assert risks_where(register, acme, basis="residual", likelihood="2", impact="2") == ["R-0001"]
    assert risks_where(register, acme, owner="COLIN@acme.test") == ["R-0001"]
    assert risks_where(register, acme, asset="AS-0001", control="a.8.5") == ["R-0001"]


def test_above_the_threshold_and_overdue_reviews(register, acme, isla):
    # R-0001's residual 4 is under the threshold 9 (its inherent 16 no longer counts);
    # the closed fax risk (25) is not open.
    assert risks_where(register, acme, above="true") == []
    flood = register.get(number=2)
    risks.update_risk(isla.ctx, flood, {"inherent_likelihood": 4, "inherent_impact": 3})
    assert risks_where(register, acme, above="true") == ["R-0002"]
    Risk.objects.filter(number=1).update(review_date=timezone.localdate() - dt.timedelta(days=1))
    Risk.objects.filter(number=4).update(review_date=timezone.localdate() - dt.timedelta(days=9))
    assert risks_where(register, acme, overdue="true") == ["R-0001"]
    assert risks_where(register, acme, overdue="false") == refs(register)


def test_search_by_text_or_reference(register, acme):
    assert risks_where(register, acme, q="phishing") == ["R-0001"]
    assert risks_where(register, acme, q="r-2") == ["R-0002"]
    assert risks_where(register, acme, q="passwords alone") == ["R-0001"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"level": "catastrophic"}, "level"),
        ({"likelihood": "6"}, "likelihood"),
        ({"impact": "x"}, "impact"),
        ({"overdue": "yes"}, "overdue"),
        ({"basis": "both"}, "basis"),
        ({"asset": "server"}, "asset"),
    ],
)
def test_bad_parameters_are_refused_and_match_nothing(register, acme, params, field):
    queryset, form = filter_risks(register, params, acme)
    assert not form.is_valid() and field in form.errors
    assert not queryset.exists()


@pytest.fixture
def inventory(server, isla, colin):
    assets.create_asset(
        isla.ctx,
        {"name": "Payroll export", "kind": "information", "classification": "Confidential"},
    )
    proposed = assets.create_asset(
        isla.ctx,
        {"name": "eu-west-1 bucket", "kind": "system", "owner": colin.user, "location": "AWS"},
        source="connector",
        confirmed=False,
    )
    old = assets.create_asset(isla.ctx, {"name": "Old NAS", "kind": "system"})
    assets.update_asset(isla.ctx, old, {"retired": True})
    return Asset.objects.for_org(isla.ctx.org), proposed


def assets_where(queryset, acme, **params):
    found, form = filter_assets(queryset, params, acme)
    assert form.is_valid(), form.errors
    return refs(found)


def test_asset_filters(inventory, acme):
    queryset, _ = inventory
    assert assets_where(queryset, acme, kind="information") == ["AS-0002"]
    assert assets_where(queryset, acme, owner="colin@acme.test") == ["AS-0003"]
    assert assets_where(queryset, acme, owner="none") == ["AS-0002", "AS-0004"]
    assert assets_where(queryset, acme, classification="Confidential") == ["AS-0002"]
    assert assets_where(queryset, acme, confirmed="false") == ["AS-0003"]
    assert assets_where(queryset, acme, retired="true") == ["AS-0004"]
    assert assets_where(queryset, acme, retired="false", confirmed="true") == [
        "AS-0001",
        "AS-0002",
    ]
    assert assets_where(queryset, acme, q="aws") == ["AS-0003"]
    assert assets_where(queryset, acme, q="as-4") == ["AS-0004"]


@pytest.mark.parametrize(
    "params",
    [{"kind": "car"}, {"classification": "Top secret"}, {"confirmed": "yes"}, {"retired": "1"}],
)
def test_bad_asset_parameters_are_refused(inventory, acme, params):
    queryset, _ = inventory
    found, form = filter_assets(queryset, params, acme)
    assert not form.is_valid() and set(params) <= set(form.errors)
    assert not found.exists()


@pytest.mark.parametrize(("sent", "ticked"), [("true", True), ("false", False), (None, False)])
def test_a_flag_checkbox_sends_true_and_shows_what_was_sent(acme, sent, ticked):
    from annexa.risks.filters import RiskFilterForm

    form = RiskFilterForm({"overdue": sent} if sent else {}, org=acme)
    html = str(form["overdue"])
    assert 'value="true"' in html
    assert ("checked" in html) is ticked


def test_treatment_action_filters(phishing, isla, colin):
    from annexa.risks.filters import filter_treatment_actions
    from annexa.risks.models import TreatmentAction

    late = risks.add_action(
        colin.ctx, phishing, {"title": "MFA", "owner": colin.user, "due_date": "2020-01-31"}
    )
    done = risks.add_action(
        isla.ctx, phishing, {"title": "Training", "owner": isla.user, "due_date": "2020-02-28"}
    )
    risks.update_action(isla.ctx, done, {"status": "done"})
    everything = TreatmentAction.objects.for_org(isla.ctx.org)

    def refs_of(**params):
        found, form = filter_treatment_actions(everything, params)
        assert form.is_valid(), form.errors
        return refs(found)

    assert refs_of(overdue="true") == [late.reference]
    assert refs_of(status="open") == [late.reference]
    assert refs_of(status="done", owner="ISLA@acme.test") == [done.reference]
    found, form = filter_treatment_actions(everything, {"status": "late"})
    assert "status" in form.errors and not found.exists()
