"""The asset inventory's pages: the list and its filters, an asset with its risks, creating
and editing (managers), confirming a proposed asset (its owner or a manager), and the scope's
units and systems taken in."""

from __future__ import annotations

import html

from django.urls import reverse

from annexa.isms.models import OrgUnit
from annexa.risks.choices import AssetSource
from annexa.risks.models import Asset
from annexa.risks.services import assets
from annexa.risks.tests.test_views import HTMX, text


def url(name: str, **kwargs) -> str:
    return reverse(f"assets:{name}", kwargs={"org": "acme", **kwargs})


def proposed(isla, owner, name="web-01 (EC2 instance)") -> Asset:
    return assets.create_asset(
        isla.ctx,
        {"name": name, "kind": "system", "owner": owner},
        source=AssetSource.CONNECTOR,
        source_reference="AWS snapshot of 2026-11-30",
        confirmed=False,
    )


def test_the_inventory_lists_and_filters(client_for, vera, isla, colin, phishing, server):
    laptop = assets.create_asset(
        isla.ctx,
        {
            "name": "Staff laptops",
            "kind": "system",
            "owner": colin.user,
            "classification": "Internal",
        },
    )
    web = proposed(isla, colin.user)
    page = client_for(vera).get(url("list"))
    assert page.status_code == 200
    shown = text(page)
    assert "AS-0001 Production database System Isla Manager" in shown
    assert "1 proposed from collected evidence waits for their owner" in shown
    assert "New asset" not in shown and "Add the scope" not in shown
    assert "Confirm</button>" not in page.text  # a viewer confirms nothing
    assert 'href="/o/acme/risks/?asset=AS-0001&amp;status=open">1</a>' in page.text  # its risk
    rows = client_for(vera).get(url("list"), {"confirmed": "false"}, headers=HTMX)
    assert "<html" not in rows.text and web.name in rows.text and server.name not in rows.text
    internal = client_for(vera).get(url("list"), {"classification": "Internal"}, headers=HTMX)
    assert laptop.name in internal.text and server.name not in internal.text
    mine = client_for(vera).get(url("list"), {"owner": colin.user.email, "kind": "system"})
    assert laptop.name in mine.text and server.name not in mine.text
    bad = client_for(vera).get(url("list"), {"kind": "spaceship"}, headers=HTMX)
    assert "spaceship is not one of the available choices" in bad.text


def test_an_asset_shows_its_risks_and_history(client_for, audrey, phishing, server):
    page = client_for(audrey).get(url("detail", pk=server.pk))
    assert page.status_code == 200
    shown = text(page)
    assert "R-0001" in shown and "High · 16" in shown
    assert "create" in shown and "kind: System" in shown
    assert "Edit" not in shown.split("History")[0].split("Asset inventory")[1]


def test_a_manager_creates_and_edits_assets(client_for, isla, colin, server):
    client = client_for(isla)
    assert client.get(url("create")).status_code == 200
    values = {"value_c": "3", "value_i": "3", "value_a": "3"}
    clash = client.post(url("create"), {"name": "production database", "kind": "system", **values})
    assert clash.status_code == 422
    assert "An asset named &#x27;production database&#x27; is already" in clash.text
    made = client.post(
        url("create"),
        {
            "name": "Customer list",
            "kind": "information",
            "owner": colin.user.pk,
            "classification": "Confidential",
            "value_c": "5",
            "value_i": "4",
            "value_a": "2",
        },
    )
    asset = Asset.objects.get(name="Customer list")
    assert made.status_code == 302 and made.url == url("detail", pk=asset.pk)
    assert (asset.classification.name, asset.value_c, asset.owner) == (
        "Confidential",
        5,
        colin.user,
    )
    edit = client.get(url("edit", pk=asset.pk))
    assert edit.status_code == 200 and "Customer list" in edit.text
    saved = client.post(
        url("edit", pk=asset.pk),
        {
            "name": "Customer list",
            "kind": "information",
            "value_c": "5",
            "value_i": "4",
            "value_a": "2",
            "retired": "on",
            "version": asset.version,
        },
    )
    assert saved.status_code == 302
    asset.refresh_from_db()
    assert asset.retired and asset.owner is None
    stale = client.post(
        url("edit", pk=asset.pk),
        {"name": "Customers", "kind": "information", **values, "version": asset.version - 1},
    )
    assert stale.status_code == 409 and "Your changes were not saved" in stale.text
    assert client_for(colin).get(url("create")).status_code == 403
    assert client_for(colin).get(url("edit", pk=asset.pk)).status_code == 403


def test_the_owner_confirms_a_proposed_asset(client_for, isla, colin, acme):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    web = proposed(isla, colin.user)
    carl = make_persona(acme, "carl@acme.test", Role.CONTROL_OWNER)
    refused = client_for(carl).post(url("confirm", pk=web.pk), headers=HTMX)
    assert refused.status_code == 403
    assert "only the asset&#x27;s owner or an ISMS manager confirms it" in refused.text
    listing = client_for(colin).get(url("list"))
    assert "Confirm AS-0001 web-01 (EC2 instance) as an asset" in html.unescape(listing.text)
    done = client_for(colin).post(url("confirm", pk=web.pk), headers=HTMX)
    assert done.status_code == 200 and "<html" not in done.text and "Confirmed." in done.text
    web.refresh_from_db()
    assert web.confirmed
    again = client_for(colin).post(url("confirm", pk=web.pk), headers=HTMX)
    assert again.status_code == 409 and "AS-0001 is already confirmed." in again.text


def test_the_scope_units_and_systems_become_assets(client_for, isla, acme, catalog):
    OrgUnit.objects.create(organization=acme, name="Platform team", kind="unit")
    OrgUnit.objects.create(organization=acme, name="Billing service", kind="system")
    client = client_for(isla)
    response = client.post(url("from-scope"), follow=True)
    assert "2 assets added from the scope: Billing service, Platform team." in text(response)
    kinds = dict(Asset.objects.values_list("name", "kind"))
    assert kinds == {"Platform team": "people", "Billing service": "system"}
    again = client.post(url("from-scope"), follow=True)
    assert "Every unit, system and location of the scope is already an asset." in text(again)


def test_other_organizations_and_viewers_change_nothing(client_for, oscar, vera, server):
    assert client_for(oscar).get(url("detail", pk=server.pk)).status_code == 404
    for name in ("confirm", "edit"):
        assert client_for(vera).post(url(name, pk=server.pk)).status_code == 403
    assert client_for(vera).post(url("from-scope")).status_code == 403
