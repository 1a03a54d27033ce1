"""A user in a real browser: log in, edit one SoA row inline, see the dashboard change."""

from __future__ import annotations

import pytest

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD
from annexa.isms.services import ensure_soa

pytestmark = pytest.mark.django_db(transaction=True)


def _organizational_bar(page) -> str:
    return page.get_attribute('g.bar[data-category="Organizational"]', "aria-label")


def test_it_edits_a_soa_row_inline_and_the_dashboard_follows(page, isla, catalog):
    ensure_soa(isla.membership.organization)
    login(page, isla.user.email, PASSWORD)
    page.goto("/o/acme/")
    before = _organizational_bar(page)
    assert "Implemented 0" in before and "Not applicable 37" in before

    page.goto("/o/acme/soa/")
    row = page.locator("#soa-A\\.5\\.1")
    row.get_by_role("button", name="Edit A.5.1").click()
    form = page.locator("#soa-A\\.5\\.1 form")
    form.get_by_label("Applicable").check()
    form.get_by_label("Implementation status").select_option("implemented")
    form.get_by_label("Justification").fill(
        "Policies are the basis of the ISMS; the policy set is approved and published."
    )
    form.get_by_role("button", name="Save").click()
    # htmx swaps the saved row back in place of the form
    page.locator("#soa-A\\.5\\.1 .badge", has_text="Implemented").wait_for()
    assert page.locator("#soa-A\\.5\\.1 form").count() == 0

    page.goto("/o/acme/")
    after = _organizational_bar(page)
    assert "Implemented 1" in after and "Not applicable 36" in after
