"""The landing page /o/<org>/: every panel drawn, overdue actions highlighted, tenancy kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from annexa.actions import services as action_services
from annexa.actions.tests.factories import make_action
from annexa.findings.tests.conftest import (  # noqa: F401 (fixtures)
    audit,
    draft,
    nc_item,
    open_nc,
    version,
)

HOME = "/o/acme/"


@pytest.fixture
def overdue(open_nc, colin, isla):  # noqa: F811 (the fixture imported above)
    """Colin's corrective action for the open major nonconformity, due three days ago."""
    action = action_services.create_action(
        colin.ctx,
        finding=open_nc,
        plan="Enforce a second factor for every administrator account.",
        owner=colin.user,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    return action_services.update_action(
        isla.ctx, action, {"due_date": timezone.localdate() - dt.timedelta(days=3)}
    )


def test_it_is_the_organizations_landing_page(client_for, vera):
    assert reverse("dashboard:readiness", kwargs={"org": "acme"}) == HOME
    html = client_for(vera).get(HOME).content.decode()
    assert "readiness for the next external audit" in html
    assert f'<a href="{HOME}" aria-current="page">Dashboard</a>' in html
    # The SoA statistics page is still there, one link away.
    overview = reverse("isms:dashboard", kwargs={"org": "acme"})
    assert overview != HOME and f'href="{overview}"' in html


def test_it_draws_every_panel_for_a_viewer(client_for, vera, overdue, colin):
    make_action(vera.membership.organization, owner=colin.user)  # not overdue: due 2026-06-30
    response = client_for(vera).get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("dash-audits", "dash-coverage", "dash-findings-age", "dash-actions"):
        assert f'id="{chart}-title"' in html, chart
    assert 'id="dash-burndown-title"' in html and 'class="point"' in html
    assert 'id="dash-monitoring-title"' in html
    assert html.count('class="bar"') >= 4  # SoA themes, coverage and finding ages
    assert "Major nonconformity" in html


def test_it_highlights_the_overdue_action(client_for, vera, overdue):
    html = client_for(vera).get(HOME).content.decode()
    row = re.search(rf'<tr id="overdue-{overdue.pk}" class="overdue"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    cells = row.group(1)
    assert overdue.reference in cells and "Colin Owner" in cells
    assert "3 days</span>" in cells and "F-0001" in cells
    assert html.count('class="overdue"') == 1


def test_it_shows_empty_states_for_a_new_organization(client_for, alice):
    response = client_for(alice).get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No audit programme yet." in html
    assert "No open findings." in html and "No corrective actions yet." in html
    assert "Nothing is overdue." in html
    assert "No nonconformity was open in this period." in html


def test_it_hides_another_organizations_dashboard(client_for, oscar, overdue):
    client = client_for(oscar)
    assert client.get(HOME).status_code == 404
    assert client.get("/api/v1/orgs/acme/dashboard/").status_code == 404


def test_it_renders_in_a_bounded_number_of_queries(
    client_for, vera, overdue, colin, django_assert_max_num_queries
):
    org = vera.membership.organization
    client = client_for(vera)
    client.get(HOME)  # the SoA entries exist from here on
    for days in range(1, 31):
        make_action(org, owner=colin.user, due_date=timezone.localdate() - dt.timedelta(days=days))
    with django_assert_max_num_queries(35):  # the same for 1 overdue action or 31
        response = client.get(HOME)
    assert response.content.decode().count('class="overdue"') == 20  # the rest are linked
    assert "and 11 more" in response.content.decode()
