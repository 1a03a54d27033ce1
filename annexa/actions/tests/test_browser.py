"""The 5-whys editor in a real browser: htmx adds and removes rows, then saves the chain."""

from __future__ import annotations

from playwright.sync_api import expect

from annexa.actions.models import CorrectiveAction
from annexa.core.testing.browser import htmx_idle, login
from annexa.core.testing.fixtures import PASSWORD

ROWS = "() => document.querySelectorAll('.why-row').length === {}"


def test_it_edits_the_five_whys_with_htmx(page, colin, action):
    login(page, colin.user.email, PASSWORD)
    page.goto(f"/o/acme/actions/{action.pk}/")
    page.fill("#root-cause-text", "Break-glass accounts were exempt from the policy.")
    why, because = page.locator("input[name=why]"), page.locator("input[name=because]")

    def swapped(button: str, rows: int) -> None:
        """Click ``button`` and wait until the editor it swaps in has ``rows`` rows and has
        settled: a value typed while htmx still settles the new rows can be lost (a person
        never types that fast; a test does)."""
        page.click(button)
        page.wait_for_function(ROWS.format(rows))
        htmx_idle(page)

    swapped("button[value=add]", 1)
    why.nth(0).fill("Why could admins skip MFA?")
    because.nth(0).fill("Their accounts were exempt.")
    swapped("button[value=add]", 2)
    why.nth(1).fill("A row to drop")
    swapped("button[value=add]", 3)
    why.nth(2).fill("Why were they exempt?")
    because.nth(2).fill("Nobody reviewed the exemptions.")
    swapped("button[value='remove-1']", 2)
    expect(why.nth(1)).to_have_value("Why were they exempt?")
    expect(because.nth(1)).to_have_value("Nobody reviewed the exemptions.")
    assert page.url.endswith(f"/actions/{action.pk}/")  # swapped in place, no navigation
    page.click("button[value=save]")
    page.wait_for_selector("#root-cause .msg-success")
    saved = CorrectiveAction.objects.get(pk=action.pk)
    assert saved.root_cause == "Break-glass accounts were exempt from the policy."
    assert saved.five_whys == [
        {"why": "Why could admins skip MFA?", "because": "Their accounts were exempt."},
        {"why": "Why were they exempt?", "because": "Nobody reviewed the exemptions."},
    ]
