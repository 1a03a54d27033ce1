"""Accessibility checked by a machine: axe-core over every page reachable from the demo.

The demo organization is built once; each of its roles signs in through the login page (with
the authenticator app its role requires) and follows every same-origin link from the start
pages, breadth first, as ``tests/test_crawl.py`` does, but in Chromium: each HTML page is
loaded, its htmx content settles, and axe-core (vendored in ``vendor/axe-core``, see its
README) runs over the whole document. Any violation of impact *serious* or *critical* fails the
test, listed with its page, rule and the elements it names.

axe is put into the page with ``page.evaluate`` (the DevTools protocol), which the page's
Content-Security-Policy (``script-src 'self'``) does not govern, so the pages are checked with
their real CSP and styles — no ``bypass_csp`` needed.

The crawl is bounded: at most ``PER_ROUTE`` URLs per URL pattern and role. Files (exports,
downloads, drafts) are neither loaded nor checked: they are not pages. A page whose structure
(its distinct elements, classes, roles, input types and form targets; not its text or number
of rows) is the same as a page of the same route already checked for another role is loaded
for its links but not checked again: the same markup gives the same findings, and axe is the
slow part.

What axe finds does not depend on the database, so the test runs in the SQLite run of
``make test`` only (the PostgreSQL run skips it): it is one of the slower browser tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from annexa.core.testing.browser import login
from tests.test_crawl import START, Frontier, route_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="axe's findings do not depend on the database: checked in the SQLite run",
    ),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ROLES = ("owner", "isms_manager", "it", "auditor", "viewer")
PER_ROUTE = 1
# Files, not pages: an export, a download, a report draft, a query asking for a format.
FILE_MARKERS = ("/download/", "/draft/", "format=")

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      rule: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
      targets: v.nodes.slice(0, 6).map((n) => n.target.join(" ")),
    }));
}"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))"
# What the page is made of, whatever its data: each distinct element kind (tag, classes, role,
# input type, form target), sorted.
STRUCTURE = """() => [...new Set([...document.querySelectorAll("body *")].map((e) =>
  [e.tagName, e.getAttribute("class") || "", e.getAttribute("role") || "",
   e.getAttribute("type") || "", e.tagName === "FORM" ? e.getAttribute("action") || "" : ""]
  .join("|").replace(/\\d+/g, "#")))].sort().join("\\n")"""
# The page has loaded and its htmx requests (content loaded on "load") have answered.
SETTLED = "() => document.readyState === 'complete' && !document.querySelector('.htmx-request')"


@dataclass
class Findings:
    pages: int = 0
    checked: int = 0
    violations: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    structures: set[tuple[str, str]] = field(default_factory=set)


def is_file(target: str) -> bool:
    path = urlsplit(target).path
    return "." in path.rsplit("/", 1)[-1] or any(marker in target for marker in FILE_MARKERS)


def check(page, base: str, role: str, axe_source: str, findings: Findings) -> None:
    frontier = Frontier(PER_ROUTE, host=urlsplit(base).netloc, skip=is_file)
    while frontier.queue:
        url, referrer = frontier.queue.popleft()
        response = page.goto(base + url)
        if response is None or response.status >= 400:
            status = response and response.status
            findings.broken.append(f"{role} {url}: {status} (linked from {referrer})")
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page.wait_for_function(SETTLED)
        findings.pages += 1
        structure = (route_of(urlsplit(url).path) or url, page.evaluate(STRUCTURE))
        new = structure not in findings.structures
        findings.structures.add(structure)
        if new:
            findings.checked += 1
            page.evaluate("() => {" + axe_source + "\n}")
        for v in page.evaluate(RUN_AXE) if new else ():
            targets = "; ".join(v["targets"]) + (" …" if v["count"] > len(v["targets"]) else "")
            findings.violations.append(
                f"{role} {url}: {v['impact']} {v['rule']} ({v['help']}), "
                f"{v['count']} element(s): {targets}"
            )
        for href in page.evaluate(LINKS):
            frontier.follow(page.url, href)


@pytest.fixture
def demo_people(catalog):
    """The demo organization's people, one per role, with the authenticator app their role
    requires: {key: (email, password)}."""
    from annexa.cli.demo import PEOPLE, build_demo, demo_password
    from annexa.core.testing.fixtures import give_totp
    from annexa.orgs.mfa import role_requires
    from annexa.orgs.models import User

    build_demo()
    people = {}
    for person in PEOPLE:
        if person.key not in ROLES:
            continue
        if role_requires(person.role):
            give_totp(User.objects.get(email=person.email))
        people[person.key] = (person.email, demo_password(person.email))
    return people


def test_no_serious_or_critical_accessibility_violation_on_any_page(
    browser, live_server, demo_people
):
    axe_source = AXE.read_text()
    findings = Findings()
    for role in ROLES:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            login(page, *demo_people[role])
            check(page, live_server.url, role, axe_source, findings)
        finally:
            context.close()
    print(
        f"{findings.pages} pages loaded, {findings.checked} checked by axe; "
        f"{len(findings.violations)} serious or critical violation(s)"
    )
    assert findings.pages > len(ROLES) * len(START), "the crawl found no links to follow"
    assert not (findings.broken or findings.violations), "\n".join(
        findings.broken + findings.violations
    )
