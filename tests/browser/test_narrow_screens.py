"""Usable on a phone (390 px wide) and with long data: nothing widens the page.

Every section of the organization's navigation, and the detail pages people open from them (an
audit, its checklist and programme, a finding, an action, the ISMS overview), are loaded at 390
px as the demo's ISMS manager: the page must not scroll sideways (wide tables and charts scroll
inside their own box), and the navigation sits behind a Menu button that opens it.

The evidence list keeps its width with a very long title, its Upload button does not overlap
the filters, and issued reports are hidden until the toggle shows them.
"""

from __future__ import annotations

import pytest

from annexa.core.testing.browser import login

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# The page's width against the screen's, and the first elements that stick out of it (not
# counting what scrolls inside its own box), to say what widened it.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const name = (e) => e.tagName.toLowerCase() +
    (typeof e.className === "string" && e.className.trim()
      ? "." + e.className.trim().split(/\\s+/).join(".") : "");
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 &&
      !(e.parentElement && e.parentElement.closest(".table-scroll, :has(> svg.chart)"));
  }).slice(0, 5).map(name);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW)


@pytest.fixture
def manager(catalog):
    """The demo's ISMS manager (with the authenticator app the role requires) and the detail
    pages to check besides the navigation's sections."""
    from annexa.actions.models import CorrectiveAction
    from annexa.audits.models import Audit
    from annexa.cli.demo import build_demo, demo_password
    from annexa.core.testing.fixtures import give_totp
    from annexa.findings.models import Finding
    from annexa.orgs.models import User

    org, _ = build_demo()
    user = User.objects.get(email="isms@kestrel.example")
    give_totp(user)
    base = f"/o/{org.slug}"
    audit = Audit.objects.filter(organization=org).order_by("-pk").first()
    finding = Finding.objects.filter(organization=org).order_by("pk").first()
    action = CorrectiveAction.objects.filter(organization=org).order_by("pk").first()
    details = [
        f"{base}/",
        f"{base}/overview/",
        f"{base}/audits/{audit.pk}/",
        f"{base}/audits/{audit.pk}/checklist/",
        f"{base}/audits/programmes/{audit.programme_id}/",
        f"{base}/findings/{finding.pk}/",
        f"{base}/actions/{action.pk}/",
        f"{base}/risks/heatmap/",
        f"{base}/risks/assessments/",
        f"{base}/assets/classifications/",
        "/catalog/",
    ]
    return user.email, demo_password(user.email), details


def test_every_main_page_fits_a_phone_screen(browser, live_server, manager):
    email, password, details = manager
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        login(page, email, password)
        page.goto(details[0])
        # The navigation is folded behind the Menu button, which opens it.
        toggle = page.locator(".menu-toggle")
        nav = page.locator("nav.mainnav[aria-label=Organization]")
        assert toggle.is_visible() and not nav.is_visible()
        toggle.click()
        assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        sections = nav.locator("a").evaluate_all("links => links.map((a) => a.pathname)")
        assert len(sections) >= 10, sections
        too_wide = []
        for url in [*sections, *details]:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            found = overflow(page)
            if found["scroll"] > PHONE["width"]:
                too_wide.append(f"{url}: {found}")
        assert not too_wide, "pages wider than the screen:\n" + "\n".join(too_wide)
    finally:
        context.close()


@pytest.fixture
def evidence_list(isla):
    """Isla's organization with evidence of a very long unbroken title and an issued report."""
    from annexa.evidence import services

    long_title = "Firewall-ruleset-export-" * 8  # 192 characters, no space to wrap at
    services.store(isla.ctx, filename="rules.txt", chunks=[b"allow 443\n"], title=long_title)
    services.store(isla.ctx, filename="access.txt", chunks=[b"reviewed\n"], title="Access review")
    services.store(
        isla.ctx,
        filename="report.txt",
        chunks=[b"issued\n"],
        title="IA-2026-01 internal audit report, version 1 (PDF)",
        generated=True,
    )
    return isla


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_the_evidence_list_keeps_its_width_and_hides_issued_reports(
    browser, live_server, evidence_list, width
):
    from annexa.core.testing.fixtures import PASSWORD

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        login(page, evidence_list.user.email, PASSWORD)
        page.goto("/o/acme/evidence/")
        page.wait_for_load_state("networkidle")
        assert page.locator("text=Firewall-ruleset-export").is_visible()
        found = overflow(page)
        assert found["scroll"] <= width, found
        upload = page.locator(".page-heading a.button").bounding_box()
        controls = page.locator("form.filters label, form.filters button")
        for index in range(controls.count()):
            assert not boxes_overlap(upload, controls.nth(index).bounding_box()), index
        rows = page.locator("#evidence-rows tbody tr")
        assert rows.count() == 2
        assert page.locator("#issued-hidden").is_visible()
        page.get_by_label("Show issued reports").check()
        page.wait_for_function(
            "() => document.querySelectorAll('#evidence-rows tbody tr').length === 3"
        )
        assert page.locator("text=IA-2026-01 internal audit report").is_visible()
        assert "issued=on" in page.url
    finally:
        context.close()
