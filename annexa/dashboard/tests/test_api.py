"""``GET /api/v1/orgs/<org>/dashboard/``: the page's numbers as JSON."""

from __future__ import annotations

from annexa.dashboard import services
from annexa.dashboard.tests.test_views import overdue  # noqa: F401 (fixture)
from annexa.findings.tests.conftest import audit, draft, nc_item, open_nc, version  # noqa: F401

URL = "/api/v1/orgs/acme/dashboard/"


def test_it_returns_the_dashboard_as_json(client_for, vera, overdue):  # noqa: F811
    response = client_for(vera).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body == services.as_data(services.readiness(vera.membership.organization))
    [late] = body["actions"]["overdue"]
    assert (late["reference"], late["owner"], late["days_overdue"]) == (
        overdue.reference,
        "colin@acme.test",
        3,
    )
    assert body["findings"]["by_grade"]["major_nc"] == 1
    assert len(body["burndown"]) == 26 and body["burndown"][-1]["major_nc"] == 1


def test_it_answers_for_an_empty_organization_and_refuses_writes(client_for, vera, acme):
    client = client_for(vera)
    body = client.get(URL).json()
    assert body["programme"] is None and body["actions"]["total"] == 0
    assert client.post(URL, {}).status_code in (403, 405)


def test_it_hides_the_dashboard_from_other_organizations(client_for, oscar, acme):
    assert client_for(oscar).get(URL).status_code == 404
