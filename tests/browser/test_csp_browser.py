"""Pages work under the Content-Security-Policy: no violation is reported by the browser."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_swagger_ui_starts_from_its_script_file(page, live_server):
    seen = violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    assert not seen


def test_the_login_page_and_the_org_switcher_run_without_inline_script(page, live_server, isla):
    from annexa.core.testing.browser import login

    seen = violations(page)
    login(page, isla.user.email, "correct horse battery staple")
    page.goto(f"{live_server.url}/catalog/")
    page.select_option("#org-switcher", "/o/acme/")  # data-navigate-on-change (annexa.js)
    page.wait_for_url("**/o/acme/")
    assert not seen
