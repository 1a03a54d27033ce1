"""The risk, heat-map, methodology and asset pages with data in them, in a real browser: every
htmx form sent with invalid values shows the server's refusal next to it (the check of
``tests/browser/test_htmx_refusals.py``), and axe-core finds no serious or critical
accessibility violation (as ``tests/browser/test_accessibility.py`` checks the demo, which has
no risks yet)."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD
from annexa.isms.services.soa import ensure_soa
from annexa.risks.choices import AssetSource
from annexa.risks.services import assets, risks
from tests.browser.test_accessibility import AXE, RUN_AXE, SETTLED
from tests.browser.test_htmx_refusals import refuse_each

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_risk(server, isla):
    """Isla's own risk, treated and assessed (so every form of the page is hers to use), with
    a treatment action and an asset awaiting confirmation."""
    ensure_soa(isla.ctx.org)
    risk = risks.create_risk(
        isla.ctx,
        {
            "title": "Stolen backup tapes",
            "owner": isla.user,
            "assets": [server],
            "inherent_likelihood": 2,
            "inherent_impact": 4,
            "treatment": "modify",
            "controls": ["A.8.24"],
            "residual_likelihood": 1,
            "residual_impact": 4,
        },
    )
    risks.add_action(
        isla.ctx,
        risk,
        {"title": "Encrypt tapes", "owner": isla.user, "due_date": dt.date(2027, 6, 30)},
    )
    assets.create_asset(
        isla.ctx,
        {"name": "tape-library-2", "kind": "system", "owner": isla.user},
        source=AssetSource.CONNECTOR,
        confirmed=False,
    )
    return risk


def test_every_risk_page_form_shows_the_servers_refusal(page, isla, own_risk):
    login(page, isla.user.email, PASSWORD)
    pages = [
        (f"/o/acme/risks/{own_risk.pk}/", [], "#risk"),
        ("/o/acme/risks/methodology/", [], "#methodology"),
        ("/o/acme/assets/", [], "#asset-rows"),
    ]
    sent, silent = refuse_each(page, pages)
    assert not silent, "refused without a visible message:\n" + "\n".join(silent)
    for expected in (
        "/inherent/",
        "/treatment/",
        "/residual/",
        "/accept/",
        "/close/",
        "/actions/",
        "/risks/actions/",
        "/risks/methodology/",
    ):
        assert any(expected in name for name in sent), (expected, sent)


def test_the_risk_pages_have_no_serious_accessibility_violation(page, isla, own_risk):
    login(page, isla.user.email, PASSWORD)
    axe = AXE.read_text()
    found = []
    for url in (
        "/o/acme/risks/",
        f"/o/acme/risks/{own_risk.pk}/",
        "/o/acme/risks/heatmap/",
        "/o/acme/risks/methodology/",
        "/o/acme/risks/new/",
        f"/o/acme/risks/{own_risk.pk}/edit/",
        "/o/acme/assets/",
        f"/o/acme/assets/{own_risk.assets.get().pk}/",
        "/o/acme/assets/new/",
    ):
        page.goto(url)
        page.wait_for_function(SETTLED)
        # The forms folded behind a summary are checked open.
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        page.evaluate("() => {" + axe + "\n}")
        for v in page.evaluate(RUN_AXE):
            found.append(f"{url}: {v['impact']} {v['rule']} ({v['help']}): {v['targets']}")
    assert not found, "\n".join(found)


def test_the_risk_pages_fit_a_phone_screen(page, isla, own_risk):
    from tests.browser.test_narrow_screens import OVERFLOW, PHONE

    login(page, isla.user.email, PASSWORD)
    page.set_viewport_size(PHONE)
    wide = []
    for url in (
        f"/o/acme/risks/{own_risk.pk}/",
        "/o/acme/risks/heatmap/",
        "/o/acme/risks/methodology/",
        f"/o/acme/assets/{own_risk.assets.get().pk}/",
    ):
        page.goto(url)
        page.wait_for_function(SETTLED)
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["width"]:
            wide.append(f"{url}: {found}")
    assert not wide, "\n".join(wide)
