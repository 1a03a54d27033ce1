"""The 5-whys editor in a real browser: htmx adds and removes rows, then saves the chain."""

from __future__ import annotations

from annexa.actions.models import CorrectiveAction
from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD


def test_it_edits_the_five_whys_with_htmx(page, colin, action):
    login(page, colin.user.email, PASSWORD)
    page.goto(f"/o/acme/actions/{action.pk}/")
    page.fill("#root-cause-text", "Break-glass accounts were exempt from the policy.")
    page.click("button[value=add]")
    page.locator("input[name=why]").nth(0).fill("Why could admins skip MFA?")
    page.locator("input[name=because]").nth(0).fill("Their accounts were exempt.")
    page.click("button[value=add]")
    page.locator("input[name=why]").nth(1).fill("A row to drop")
    page.click("button[value=add]")
    page.locator("input[name=why]").nth(2).fill("Why were they exempt?")
    page.locator("input[name=because]").nth(2).fill("Nobody reviewed the exemptions.")
    page.click("button[value='remove-1']")
    page.wait_for_function("() => document.querySelectorAll('.why-row').length === 2")
    assert page.url.endswith(f"/actions/{action.pk}/")  # swapped in place, no navigation
    page.click("button[value=save]")
    page.wait_for_selector("#root-cause .msg-success")
    saved = CorrectiveAction.objects.get(pk=action.pk)
    assert saved.root_cause == "Break-glass accounts were exempt from the policy."
    assert saved.five_whys == [
        {"why": "Why could admins skip MFA?", "because": "Their accounts were exempt."},
        {"why": "Why were they exempt?", "because": "Nobody reviewed the exemptions."},
    ]
