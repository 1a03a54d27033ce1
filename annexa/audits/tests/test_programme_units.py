"""The programme page lists, under "Audited more often", the scope units the planner visits in
every cycle year (``plan_basis["weighted_units"]``) with their weight and reasons, as each
audit's page shows them in its scope."""

from __future__ import annotations

import re

from django.urls import reverse

from annexa.audits.models import AuditUnit
from annexa.audits.services import programme as programme_service

from .conftest import START
from .test_risk_programme import high_risk  # noqa: F401 - the fixture of a risk above the threshold


def _section(html: str) -> str:
    """The "Audited more often" part of the programme page."""
    found = re.search(r"<h2>Audited more often</h2>(.*?)(?=<h2|<form|</main>)", html, re.S)
    assert found, "the page has no Audited more often section"
    return found.group(1)


def _page(client, programme) -> str:
    url = reverse(
        "audits:programme", kwargs={"org": programme.organization.slug, "pk": programme.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_units_of_high_risks_are_listed_with_their_reasons(
    demo,
    high_risk,  # noqa: F811 - the fixture imported above
    isla,
    vera,
    client_for,
):
    programme = programme_service.plan_programme(
        isla.ctx, programme_service.create_programme(isla.ctx, start_date=START)
    )
    weighted_units = programme.plan_basis["weighted_units"]
    assert list(weighted_units) == ["Production AWS"]
    reason = weighted_units["Production AWS"]["factors"][0]
    assert high_risk.reference in reason
    for person in (isla, vera):  # every member reads the programme
        section = _section(_page(client_for(person), programme))
        items = re.findall(r"<li>(.*?)</li>", section.split("Units and systems", 1)[1], re.S)
        assert items == [f"<strong>Production AWS</strong> weight 2: {reason}"]
        # The controls keep their own list above the units.
        assert section.index("A.8.9") < section.index("Units and systems")
    # The same reason as on the page of each audit that visits the unit.
    visits = AuditUnit.objects.filter(audit__programme=programme, unit__name="Production AWS")
    assert visits.count() == 3
    audit_page = client_for(isla).get(
        reverse("audits:audit", kwargs={"org": demo.slug, "pk": visits.first().audit_id})
    )
    assert high_risk.reference in audit_page.content.decode()


def test_a_programme_without_weighted_units_shows_none(demo, isla, client_for):
    programme = programme_service.plan_programme(
        isla.ctx, programme_service.create_programme(isla.ctx, start_date=START)
    )
    assert "weighted_units" not in programme.plan_basis  # no risk names an area
    html = _page(client_for(isla), programme)
    assert "Units and systems with a higher weight" not in html
    # A plan basis saved before units were weighed, or with units only, still reads.
    programme.plan_basis = {
        "weighted": {},
        "weighted_units": {
            "Office Ljubljana": {"weight": 2, "factors": ["Area of risk R-0007 <above>"]}
        },
    }
    programme.save(update_fields=["plan_basis"])
    section = _section(_page(client_for(isla), programme))
    assert "Items with a higher weight" not in section  # no weighted item, no item list
    assert "<strong>Office Ljubljana</strong> weight 2: Area of risk R-0007 &lt;above&gt;" in (
        section
    )
