"""Browser fixtures (`browser`, `page`, `login`) for every test package: Playwright against
Debian's Chromium (Playwright's own browser download cannot work offline).

Registered once as a pytest plugin in the root conftest: a session-scoped browser defined in two
places would start two Playwright loops in one process, which Playwright refuses.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("ANNEXA_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "chromium is not installed: run scripts/ensure-system-packages --test (make test does)"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses ORM calls from a thread with a
    # running loop unless told this is intended (test code only, never in the app).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, email: str, password: str) -> None:
    """Sign in through the login page; a persona with two-factor authentication (see
    ``fixtures.give_totp``) answers the second step with its authenticator app's code."""
    from annexa.core.testing.fixtures import totp_code

    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        code = totp_code()
        page.fill("#id_code", code)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/accounts/2fa/authenticate/" in page.url:
            # Refused as already used: allauth accepts a code once, and an earlier test in
            # this worker signed the same person in with it moments ago (the used-code marks
            # live in the cache, which outlives a test's database). Answer with the next one.
            while totp_code() == code:
                time.sleep(0.5)
            page.fill("#id_code", totp_code())
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")


# No htmx request in flight and no swap still settling: content swapped in is processed (its
# hx- attributes work) only once it has settled, so a click sent before then would submit the
# form the browser's own way.
HTMX_IDLE = (
    "() => document.readyState === 'complete' && !document.querySelector("
    "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def htmx_idle(page) -> None:
    """Wait until the page's htmx work is done (see ``HTMX_IDLE``)."""
    page.wait_for_function(HTMX_IDLE)
