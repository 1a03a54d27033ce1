import pytest
from django.urls import reverse

from annexa.isms.models import ContextIssue, InterestedParty, OrgUnit
from annexa.isms.services import save_issue, save_party, save_unit

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"isms:{name}", kwargs={"org": "acme", **kwargs})


def test_it_adds_an_issue_inline(acme, client_for, isla):
    client = client_for(isla)
    form = client.get(url("issue-new"), **HTMX)
    assert form.content.decode().startswith('<tr id="issue-new" class="editing">')
    response = client.post(
        url("issue-new"),
        {"kind": "external", "description": "Heat waves.", "effect": "", "climate_related": "on"},
        **HTMX,
    )
    issue = ContextIssue.objects.get()
    assert response.status_code == 200
    assert response.content.decode().startswith(f'<tr id="issue-{issue.pk}">')
    assert b"climate" in response.content
    assert issue.climate_related and issue.organization == acme


def test_it_edits_and_cancels_a_party_inline(acme, client_for, isla):
    party = save_party(isla.ctx, {"name": "Customers", "requirements": "Uptime."})
    client = client_for(isla)
    form = client.get(url("party-edit", pk=party.pk), **HTMX).content.decode()
    assert 'value="Customers"' in form and url("party-row", pk=party.pk) in form
    row = client.get(url("party-row", pk=party.pk), **HTMX).content.decode()
    assert row.startswith(f'<tr id="party-{party.pk}">')
    response = client.post(
        url("party-edit", pk=party.pk),
        {"name": "Customers", "requirements": "Uptime and breach notice.", "relevant": "on"},
        **HTMX,
    )
    assert b"breach notice" in response.content
    party.refresh_from_db()
    assert party.requirements == "Uptime and breach notice."


def test_it_shows_errors_in_the_form_row(acme, client_for, isla):
    save_party(isla.ctx, {"name": "Customers"})
    response = client_for(isla).post(url("party-new"), {"name": "customers"}, **HTMX)
    assert response.status_code == 422
    assert b"already taken by another interested party" in response.content
    assert InterestedParty.objects.count() == 1


def test_it_deletes_a_unit_and_returns_nothing_for_htmx(acme, client_for, isla):
    unit = save_unit(isla.ctx, {"name": "Office Ljubljana", "kind": "location"})
    response = client_for(isla).post(url("unit-delete", pk=unit.pk), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not OrgUnit.objects.exists()


def test_it_offers_only_members_as_unit_managers(acme, client_for, isla, colin, oscar):
    form = client_for(isla).get(url("unit-new"), **HTMX).content.decode()
    assert "colin@acme.test" in form and "oscar@globex.test" not in form
    response = client_for(isla).post(
        url("unit-new"), {"name": "Engineering", "kind": "unit", "manager": oscar.user.pk}, **HTMX
    )
    assert response.status_code == 422
    assert not OrgUnit.objects.exists()


def test_it_falls_back_to_whole_pages_without_htmx(acme, client_for, isla):
    issue = save_issue(isla.ctx, {"kind": "internal", "description": "Growth."})
    client = client_for(isla)
    page = client.get(url("issue-edit", pk=issue.pk))
    assert b"<html" in page.content
    response = client.post(
        url("issue-edit", pk=issue.pk), {"kind": "internal", "description": "Fast growth."}
    )
    assert response.status_code == 302 and response.url.endswith("/o/acme/context/#issues")
    response = client.post(url("issue-delete", pk=issue.pk))
    assert response.status_code == 302
    assert not ContextIssue.objects.exists()


@pytest.mark.parametrize("name", ["issue-new", "party-new", "unit-new"])
def test_it_does_not_show_forms_to_viewers(name, acme, client_for, vera):
    assert client_for(vera).get(url(name), **HTMX).status_code == 403
