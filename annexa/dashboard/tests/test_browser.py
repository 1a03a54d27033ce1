"""A member in a real browser: log in, land on the dashboard, see the overdue action."""

from __future__ import annotations

import pytest

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD
from annexa.dashboard.tests.test_views import overdue  # noqa: F401 (fixture)
from annexa.findings.tests.conftest import audit, draft, nc_item, open_nc, version  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lands_on_the_dashboard_with_the_overdue_action_highlighted(
    page,
    vera,
    overdue,  # noqa: F811
):
    login(page, vera.user.email, PASSWORD)
    assert page.url.endswith("/o/acme/")  # one organization: straight to its dashboard
    page.get_by_role("heading", name="Acme Ltd — readiness for the next external audit").wait_for()
    row = page.locator("#overdue-actions tr.overdue")
    assert row.count() == 1
    assert overdue.reference in row.inner_text() and "3 days" in row.inner_text()
    background = row.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(251, 228, 225)"  # the highlight, not the table's plain rows
    row.get_by_role("link", name=overdue.reference).click()
    page.wait_for_url(f"**/o/acme/actions/{overdue.pk}/")
