"""The first run in a real browser, on a fresh database: the site leads to the set-up page, a
wrong code and mismatched passwords are refused beside their fields, and the right code creates
the organization and its owner, signed in (and asked for a second factor, as owners are)."""

from __future__ import annotations

import pytest

from annexa.orgs import first_run
from annexa.orgs.models import Membership, Organization

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long and uncommon passphrase 42"


def fill(page, code: str, password2: str = PASSWORD) -> None:
    page.get_by_label("Setup code").fill(code)
    page.get_by_label("Organization name").fill("Acme Ltd")
    page.get_by_label("Short name (in web addresses)").fill("acme")
    page.get_by_label("Your full name").fill("Alice Owner")
    page.get_by_label("Your e-mail address").fill("alice@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(password2)
    page.get_by_role("button", name="Create the organization").click()
    page.wait_for_load_state("networkidle")


def test_the_first_run_creates_the_organization_and_signs_its_owner_in(
    page, browser, live_server, settings, tmp_path
):
    settings.HOME = tmp_path
    assert not Organization.objects.exists()
    page.goto("/")
    assert page.url.endswith("/accounts/setup/")
    page.get_by_role("heading", name="Set up Annexa").wait_for()
    code = first_run.read_token()
    assert code and code not in page.content()

    fill(page, "not-the-code", password2="something else")
    assert page.get_by_text("The two passwords differ.").is_visible()
    fill(page, "not-the-code")
    assert page.get_by_text("The setup code is not right").is_visible()
    assert not Organization.objects.exists()

    fill(page, code)
    assert "/accounts/2fa/" in page.url  # signed in; an owner sets up a second factor first
    owner = Membership.objects.select_related("user", "organization").get()
    assert owner.role == "owner" and owner.organization.slug == "acme"
    assert owner.user.email == "alice@acme.example"

    # Afterwards the page is gone for everyone, and the site leads to the login page.
    stranger = browser.new_context(base_url=live_server.url).new_page()
    assert stranger.goto("/accounts/setup/").status == 404
    stranger.goto("/")
    assert stranger.url.endswith("/accounts/login/")
    stranger.context.close()
    assert not (tmp_path / "setup-token").exists()
