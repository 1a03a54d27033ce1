"""The dashboard's risks card and suppliers line: open risks by residual level, the risks above
the acceptance threshold, overdue treatment actions and risk reviews, the SoA's conflicts with
the risk treatment (flagged), and suppliers' expired and expiring certificates and overdue
reviews — the same numbers on the page, in the API and in ``annexa dashboard``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annexa.dashboard import services
from annexa.findings.tests.test_cli import run  # noqa: F401 (fixture)
from annexa.isms.services import ensure_soa, update_soa_entry
from annexa.risks.models import Methodology
from annexa.risks.services import risks as risk_service
from annexa.risks.services import suppliers as supplier_service

HOME = "/o/acme/"
API = "/api/v1/orgs/acme/dashboard/"


def day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def make_risk(ctx, owner, title: str, inherent, residual=None, **more):
    data = {
        "title": title,
        "owner": owner,
        "inherent_likelihood": inherent[0],
        "inherent_impact": inherent[1],
        **more,
    }
    if residual is not None:
        data.update(
            treatment=more.get("treatment", "modify"),
            residual_likelihood=residual[0],
            residual_impact=residual[1],
        )
    return risk_service.create_risk(ctx, data)


def make_supplier(ctx, name: str, certificate=None, review: int = 90, retired: bool = False):
    """A supplier reviewed in ``review`` days, with a certificate (kind, expiry offset)."""
    supplier = supplier_service.create_supplier(
        ctx,
        {
            "name": name,
            "service": "Hosting",
            "criticality": "high",
            "review_date": day(review),
        },
    )
    if certificate is not None:
        kind, expires = certificate
        supplier_service.record_assessment(
            ctx,
            supplier,
            {
                "kind": kind,
                "assessed_on": day(-400),
                "expires_on": day(expires),
                "result": "satisfactory",
            },
        )
    if retired:
        supplier_service.retire_supplier(ctx, supplier, "No longer used.")
    return supplier


@pytest.fixture
def register(acme, catalog, isla, colin, alice):
    """Four open risks (low 1, high 2, residual not assessed 1; three above the threshold,
    one of them accepted), a closed one, an overdue action, an overdue review, the SoA in
    conflict on A.8.23 and proposed on A.8.7; suppliers with an expired certificate, one
    expiring, an overdue review and a retired one (not counted)."""
    ensure_soa(acme)
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": True, "justification": "Passwords."})
    update_soa_entry(isla.ctx, "A.8.23", {"applicable": False, "justification": "EDR."})
    phishing = make_risk(
        isla.ctx, colin.user, "Phishing", (4, 4), (3, 4), controls=["A.8.5", "A.8.23", "A.8.7"]
    )
    risk_service.add_action(
        isla.ctx, phishing, {"title": "MFA", "owner": colin.user, "due_date": day(-1)}
    )
    backups = make_risk(isla.ctx, isla.user, "Backups", (3, 3), (1, 3))
    risk_service.accept_residual(isla.ctx, backups)
    make_risk(isla.ctx, isla.user, "AI assistants", (4, 3), review_date=day(-2))
    region = make_risk(isla.ctx, alice.user, "Cloud region", (4, 4), (3, 4))
    risk_service.accept_residual(alice.ctx, region, "A second region costs more.")
    closed = make_risk(isla.ctx, isla.user, "Old office", (5, 5), review_date=day(-30))
    risk_service.close_risk(isla.ctx, closed, "We moved out.")
    make_supplier(isla.ctx, "Expired Cert Ltd", ("iso27001", -10))
    make_supplier(isla.ctx, "Soon Expiring Inc", ("soc2", 10))
    make_supplier(isla.ctx, "Late Review d.o.o.", review=-3)
    make_supplier(isla.ctx, "Valid Cert AG", ("iso27001", 400))
    make_supplier(isla.ctx, "Gone Ltd", ("iso27001", -50), review=-50, retired=True)
    return acme


def test_it_counts_the_register_and_the_suppliers(register):
    r = services.readiness(register)
    risks = r.risks
    assert risks.methodology_version == 1 and risks.threshold == 9
    assert [(level.label, level.count) for level in risks.by_level] == [
        ("Low", 1),
        ("Medium", 0),
        ("High", 2),
        ("Very high", 0),
    ]
    assert risks.not_assessed == 1 and risks.open == 4  # the closed risk is not counted
    assert (risks.above_threshold, risks.above_threshold_accepted) == (3, 1)
    assert (risks.overdue_actions, risks.overdue_reviews) == (1, 1)
    assert (risks.soa_conflicts, risks.soa_proposals) == (["A.8.23"], ["A.8.7"])
    suppliers = r.suppliers
    assert suppliers.in_use == 4
    assert suppliers.certificates_expired == ["Expired Cert Ltd"]
    assert suppliers.certificates_expiring == ["Soon Expiring Inc"]
    assert suppliers.reviews_overdue == ["Late Review d.o.o."]


def test_the_page_shows_the_card_and_flags_the_soa_conflict(register, client_for, vera):
    html = client_for(vera).get(HOME).content.decode()
    card = html[html.index('id="risks-panel"') : html.index('id="suppliers-panel"')]
    assert "<td>High</td><td>2</td>" in card
    assert "Residual risk not assessed yet</td><td>1</td>" in card
    assert 'badge bad">3</span> above the acceptance threshold (9), 1 of them accepted' in card
    assert 'badge bad">1</span> overdue treatment action' in card
    assert 'badge warn">1</span> risk past the review date' in card
    assert "1 control proposed for the SoA" in card
    flag = html[html.index('id="soa-conflicts"') :]
    assert "1 conflict with the risk treatment" in flag
    assert 'href="/o/acme/soa/#soa-A.8.23"' in flag
    line = html[html.index('id="suppliers-line"') :]
    line = line[: line.index("</p>")]
    assert "4 suppliers in use" in line
    assert "1 certificate expired</span> (Expired Cert Ltd)" in line
    assert "1 expiring within 30 days</span> (Soon Expiring Inc)" in line
    assert "1 review overdue</span> (Late Review d.o.o.)" in line
    assert "Gone Ltd" not in html


def test_the_api_and_the_cli_give_the_same_numbers(register, client_for, vera, run):  # noqa: F811
    expected = services.as_data(services.readiness(register))
    body = client_for(vera).get(API).json()
    assert body["risks"] == expected["risks"] and body["suppliers"] == expected["suppliers"]
    assert body["risks"]["above_threshold"] == 3
    assert body["risks"]["by_residual_level"][2] == {"level": "high", "label": "High", "count": 2}
    assert body["risks"]["soa_conflicts"] == ["A.8.23"]
    assert body["suppliers"]["certificates_expired"] == ["Expired Cert Ltd"]
    result = run("dashboard", "--org", "acme", "--format", "json")
    assert json.loads(result.stdout)["risks"] == expected["risks"]
    text = run("dashboard", "--org", "acme").stdout
    assert (
        "Risks: 4 open by residual level (Low 1, Medium 0, High 2, Very high 0, not assessed 1)"
        in text
    )
    assert "above the acceptance threshold (9): 3 (1 accepted)" in text
    assert "overdue treatment actions: 1; risks past their review date: 1" in text
    assert "SoA conflicts with the risk treatment: 1 (A.8.23); proposed for the SoA: 1 (A.8.7)" in (
        text
    )
    assert "certificates expired 1 (Expired Cert Ltd)" in text
    assert "reviews overdue 1 (Late Review d.o.o.)" in text


def test_the_soa_flags_are_those_of_the_risk_treatment_by_control_ids(register, isla, colin):
    """The card reads only control ids (``flagged_controls``); they are the controls of the
    proposals and conflicts the SoA pages show, once each and in control order, however many
    open risks chose them, and a closed risk's choice does not count."""
    from annexa.risks.services import soa as risk_soa

    make_risk(isla.ctx, colin.user, "Laptop theft", (3, 3), (2, 2), controls=["A.8.7", "A.5.9"])
    make_risk(isla.ctx, colin.user, "Lost keys", (2, 3), (1, 1), controls=["A.8.23", "A.5.9"])
    gone = make_risk(isla.ctx, colin.user, "Old vendor", (2, 2), (1, 1), controls=["A.5.19"])
    risk_service.close_risk(isla.ctx, gone, "Vendor left.")
    update_soa_entry(isla.ctx, "A.5.9", {"applicable": False, "justification": ""})

    proposals, conflicts = risk_soa.proposals_and_conflicts(register)
    expected = ([p.control_id for p in proposals], [c.control_id for c in conflicts])
    assert risk_soa.flagged_controls(register) == expected == (["A.5.9", "A.8.7"], ["A.8.23"])
    panel = services.risks_panel(register)
    assert (panel.soa_proposals, panel.soa_conflicts) == expected


def _queries(org) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.risks_panel(org)
        services.suppliers_panel(org)
    return len(captured.captured_queries)


def test_the_card_costs_the_same_queries_for_few_or_many(register, isla, colin):
    few = _queries(register)
    for n in range(15):
        risk = make_risk(isla.ctx, colin.user, f"Risk {n}", (3, 4), (2, 2), controls=["A.8.7"])
        risk_service.add_action(
            isla.ctx, risk, {"title": "Do it", "owner": colin.user, "due_date": day(-n - 1)}
        )
        make_supplier(isla.ctx, f"Supplier {n}", ("soc2", n - 5), review=n - 7)
    assert _queries(register) == few <= 10


def test_an_organization_without_risks_gets_an_empty_card_and_nothing_written(
    client_for, vera, acme, catalog
):
    html = client_for(vera).get(HOME).content.decode()
    assert "No risk is registered yet." in html and "No supplier is registered yet." in html
    assert not Methodology.objects.for_org(acme).exists()  # looking creates nothing
    body = client_for(vera).get(API).json()
    assert body["risks"] is None and body["suppliers"]["in_use"] == 0
