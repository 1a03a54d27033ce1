"""A reviewer completes an access review in a real browser: closing early is refused with the
count of undecided accounts, each account is kept or revoked in its row (one revocation with
its reason, a refusal shown beside the row when the reason is missing), then the review closes
and its decision record downloads."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.utils import timezone

from annexa.access import services
from annexa.access.choices import ReviewerMode
from annexa.access.tests.conftest import SYSTEM, payroll_records
from annexa.core.testing.browser import htmx_idle, login
from annexa.core.testing.fixtures import PASSWORD
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Person
from annexa.people.services.accounts import sync_system

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def review(acme, isla, catalog):
    """Payroll's accounts (Lee has left; admin has no holder), reviewed by Isla."""
    for name, email, end in (
        ("Pat Payroll", "pat@acme.test", None),
        ("Colin Owner", "colin@acme.test", None),
        ("Lee Leaver", "lee@acme.test", timezone.localdate() - dt.timedelta(days=30)),
    ):
        Person.objects.create(
            organization=acme, name=name, email=email, end_date=end, source=PersonSource.MANUAL
        )
    sync_system(isla.ctx, SYSTEM, payroll_records(), source=AccountSource.IMPORT)
    return services.create_review(
        isla.ctx,
        system=SYSTEM,
        reviewer_mode=ReviewerMode.SYSTEM_OWNER,
        system_owner=isla.user,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )


def _decide(page, username: str, decision: str, reason: str = "") -> None:
    row = page.locator("tr", has=page.get_by_label(f"Reason for {username}", exact=True))
    row.get_by_label(f"{decision} {username}", exact=True).check()
    if reason:
        row.get_by_label(f"Reason for {username}", exact=True).fill(reason)
    row.get_by_role("button", name=f"Save the decision on {username}").click()
    htmx_idle(page)


def test_a_reviewer_completes_an_access_review(page, isla, review, tmp_path):
    login(page, isla.user.email, PASSWORD)
    page.goto("/o/acme/access-reviews/")
    page.get_by_role("link", name="AR-001").click()
    page.get_by_role("heading", name="AR-001 Access review of Payroll").wait_for()
    assert "Orphan: person has left" in page.inner_text("#review-items")

    page.get_by_role("button", name="Close the review").click()
    page.get_by_text("AR-001 cannot close: 4 accounts not decided yet").first.wait_for()
    assert review.__class__.objects.get(pk=review.pk).status == "open"

    # A revocation without its reason is refused beside the row; with it, it is saved.
    lee = page.locator("tr", has_text="Lee Leaver")
    lee.get_by_label("Revoke lee", exact=True).check()
    lee.get_by_role("button", name="Save the decision on lee").click()
    htmx_idle(page)
    page.locator("tr", has_text="Lee Leaver").get_by_text(
        "Say why the access is revoked."
    ).wait_for()
    _decide(page, "lee", "Revoke", "Left the company in the spring")
    _decide(page, "admin", "Keep", "Break-glass administrator, sealed password")
    _decide(page, "colin", "Keep")
    _decide(page, "pat", "Keep")
    for username in ("lee", "admin", "colin", "pat"):
        assert page.get_by_label(f"Reason for {username}", exact=True).count() == 1
    text = page.inner_text("#review-items")
    assert "Left the company in the spring" in text and "Revocation pending" in text
    assert "undecided" not in text

    page.goto(f"/o/acme/access-reviews/{review.pk}/")  # the refused close left us on /close/
    page.get_by_text("4 of 4").first.wait_for()
    page.get_by_role("button", name="Close the review").click()
    page.get_by_text("closed, and its decision record stored as evidence").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the record (JSON)").click()
    with open(info.value.path(), "rb") as handle:
        record = json.load(handle)
    assert record["reference"] == "AR-001" and record["closed_by"] == isla.user.email
    rows = {row["account"]: row for row in record["accounts"]}
    assert rows["lee"]["decision"] == "revoke" and rows["lee"]["decided_by"] == isla.user.email
    assert rows["lee"]["reason"] == "Left the company in the spring"
    shot = tmp_path / "access-review-closed.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("ANNEXA_SCREENSHOT"):
        page.screenshot(path=os.environ["ANNEXA_SCREENSHOT"], full_page=True)
