"""Every page reachable from the demo works for each role and speaks labels, not internals.

The demo organization (``annexa demo``) is built once for the module. For each of its roles the
test client, signed in as that person (with the two-factor sign-in their role requires), follows
every same-origin ``<a href>`` from the start pages, breadth first and GET only, and fails:

* on any linked URL answering 4xx/5xx — a 403 included: a link shown to a role that may not use
  it is a bug (the page must hide it for that role), and a 404 is a broken link;
* on a raw choice value (``document_review``, ``major_nc``…: any value of a model field's
  choices that has an underscore and differs from its label) in a page's visible text, where a
  person expects its label; attribute values, URLs, scripts and styles are not visible text;
* on a UUID in visible text (object identities are for the ledger and the API, not for people).

The crawl is bounded: at most ``PER_ROUTE`` URLs per URL pattern and ``MAX_PAGES`` per role.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from annexa.core.testing.fixtures import give_totp, signed_in_with_totp
from annexa.orgs.mfa import role_requires

pytestmark = pytest.mark.django_db

START = ("/o/kestrel/", "/accounts/profile/", "/catalog/")
# Demo people, one per role (the keys of annexa.cli.demo.PEOPLE).
ROLES = ("owner", "isms_manager", "it", "auditor", "viewer")
PER_ROUTE = 3
MAX_PAGES = 400
# Links never followed: signing out ends the crawl's session; static files are not pages.
SKIP_PREFIXES = ("/accounts/logout/", "/static/", "/media/", "/api/")
# Pages whose visible text is not checked for raw values and UUIDs (their links still are),
# each with the reason. Only pages that show recorded identities on purpose belong here.
TEXT_NOT_CHECKED = {
    # The ledger is the record of identities and stored values: its page shows object uids and
    # object types as recorded, on purpose.
    "ledger:list": "the ledger shows recorded uids and types",
}
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
TOKEN = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class DemoPeople:
    users: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[DemoPeople]:
    """The demo organization, its people with the authenticator app their role requires."""
    from annexa.catalog.loader import load_catalog
    from annexa.cli.demo import PEOPLE, build_demo
    from annexa.ledger.keys import ensure_signing_key
    from annexa.orgs.models import User

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        load_catalog()
        ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
        build_demo()
        people = DemoPeople()
        for person in PEOPLE:
            user = User.objects.get(email=person.email)
            if role_requires(person.role):
                give_totp(user)
            people.users[person.key] = user
            people.roles[person.key] = person.role
        yield people
        transaction.set_rollback(True)


def raw_choice_values() -> frozenset[str]:
    """Every value of an Annexa model field's choices that a person must never see as such."""
    values = set()
    for model in apps.get_models():
        if not model.__module__.startswith("annexa."):
            continue
        for f in model._meta.get_fields():
            for value, label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value and value != str(label):
                    values.add(value)
    return frozenset(values)


class Page(HTMLParser):
    """The links and the visible text of one HTML page."""

    # Not prose: scripts and styles, and literal identifiers shown as code on purpose (the SoA
    # import's column names, webhook event names).
    HIDDEN = {"script", "style", "template", "title", "head", "code", "pre", "kbd", "samp"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data)


@dataclass
class Crawl:
    problems: list[str] = field(default_factory=list)
    visited: int = 0


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def view_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


class Frontier:
    """The links still to follow, breadth first, from ``START``: each URL once, on this host
    only, none under ``SKIP_PREFIXES`` or that ``skip`` names, at most ``per_route`` URLs per
    URL pattern. Each item is (URL, the page that linked to it)."""

    def __init__(self, per_route: int, host: str = "testserver", skip=lambda target: False):
        self.queue: deque[tuple[str, str]] = deque((url, "start") for url in START)
        self.seen: set[str] = set(START)
        self.per_route, self.host, self.skip = per_route, host, skip
        self.counts: dict[str, int] = {}

    def follow(self, page_url: str, href: str) -> None:
        """Queue the link ``href`` found on ``page_url``, if the crawl takes it."""
        target, _ = urldefrag(urljoin(page_url, href))
        parts = urlsplit(target)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", self.host):
            return
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if target in self.seen or parts.path.startswith(SKIP_PREFIXES) or self.skip(target):
            return
        self.seen.add(target)
        route = route_of(parts.path) or parts.path
        if self.counts.get(route, 0) >= self.per_route:
            return
        self.counts[route] = self.counts.get(route, 0) + 1
        self.queue.append((target, page_url))


def crawl(client: Client, raw: frozenset[str]) -> Crawl:
    result = Crawl()
    frontier = Frontier(PER_ROUTE)
    while frontier.queue and result.visited < MAX_PAGES:
        url, referrer = frontier.queue.popleft()
        response = client.get(url)
        result.visited += 1
        if response.status_code >= 400:
            result.problems.append(f"{url} answers {response.status_code} (linked from {referrer})")
            continue
        page = None
        if response.status_code in (301, 302, 303, 307, 308):
            links = [response["Location"]]
        elif response.streaming:  # a stored file (evidence, an issued report): read, not parsed
            # Read to the end, as a browser would: the test client then closes the response
            # without the request signal that would close the database connection (and end the
            # test's transaction on PostgreSQL), which a bare response.close() would send.
            for _chunk in response.streaming_content:
                pass
            continue
        elif response.get("Content-Type", "").startswith("text/html"):
            page = Page()
            page.feed(response.content.decode())
            links = page.links
        else:
            continue  # a download: fetched (so it must not fail), never parsed
        if page is not None and view_name(url) not in TEXT_NOT_CHECKED:
            text = " ".join(page.text)
            for token in sorted({t for t in TOKEN.findall(text) if t in raw}):
                at = text.index(token)
                around = " ".join(text[max(at - 40, 0) : at + 40].split())
                result.problems.append(f"{url} shows the raw value {token!r}: …{around}…")
            for found in sorted(set(UUID.findall(text))):
                result.problems.append(f"{url} shows the UUID {found}")
        for href in links:
            frontier.follow(url, href)
    return result


@pytest.mark.parametrize("key", ROLES)
def test_every_linked_page_works_and_shows_labels(demo, key):
    client = Client()
    user = demo.users[key]
    client.force_login(user)
    if role_requires(demo.roles[key]):
        signed_in_with_totp(client, user)
    result = crawl(client, raw_choice_values())
    assert result.visited > len(START), "the crawl found no links to follow"
    assert not result.problems, "\n".join(result.problems)


def test_the_raw_value_check_knows_the_values_people_must_not_see():
    raw = raw_choice_values()
    assert {"document_review", "manual_only", "major_nc"} <= raw
