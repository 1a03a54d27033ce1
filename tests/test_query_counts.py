"""No page or API endpoint costs more database queries as its organization's data grows.

Every organization route that answers GET (found by walking the URL resolver, as
``tests/test_access.py`` does, so a route added tomorrow is covered) is requested in two
organizations built by ``annexa.core.testing.scale``: one with 5 rows of every model, one with
50, where the first object of each model — the one a ``pk`` route shows — also holds 5 or 50
rows of its main collections (a risk's treatment actions, an evidence item's versions, a
finding's cited evidence, …). The number of queries must be the same in both.

Run one app's routes with ``-k <app>`` (``-k people``, ``-k risks-api``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annexa.core.testing.scale import Sized, build
from tests.test_access import FACTORIES, ORG_ROUTES, Route, World, org_url

SMALL, LARGE = 5, 50

# Routes requested with GET but not compared, and why. Files and documents rendered from a whole
# dataset are not lists: they are bounded by what they describe (tests/test_pagination.py checks
# the API lists; the exports' own tests check their content).
RENDERED = (
    "a rendered document (PDF/DOCX) of the whole record, made by the time-limited PDF "
    "worker or python-docx: bounded by the record, too slow to render 4 times here"
)
EXCLUDED: dict[str, str] = {}


def excluded(route: Route) -> str | None:
    if route.name in EXCLUDED:
        return EXCLUDED[route.name]
    text = route.text
    if text.endswith((".pdf", ".docx", "/pdf/", "/docx/")) or "report_format" in route.kwargs:
        return RENDERED
    if route.name and route.name.endswith(("document", "document-pdf", "document-docx")):
        return RENDERED
    return None


ROUTES = [r for r in ORG_ROUTES if excluded(r) is None]
# Routes found to grow and not fixed yet: each case fails until its owner fixes it (then the
# strict xfail fails and the entry is removed). Counts are for 5 and 50 rows on SQLite.
KNOWN_GROWTH: dict[str, str] = {}
CASES = [
    pytest.param(
        r,
        id=r.name or r.text,
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GROWTH[r.name])]
        if r.name in KNOWN_GROWTH
        else [],
    )
    for r in ROUTES
]


@pytest.fixture(scope="module")
def sized(django_db_setup, django_db_blocker) -> Iterator[tuple[Sized, Sized]]:
    """Both organizations, built once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build("scale-s", SMALL, FACTORIES), build("scale-l", LARGE, FACTORIES)
        transaction.set_rollback(True)


def _world(s: Sized) -> World:
    objects = {(s.org.pk, model): instance for model, instance in s.first.items()}
    return World(a=s.org, b=s.org, objects=objects, owner=s.owner, viewer=s.owner)


def measure(client, s: Sized, route: Route) -> tuple[int, int, list[str]]:
    client.force_login(s.owner)
    url = org_url(route, _world(s), s.org)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code, len(queries), [q["sql"] for q in queries.captured_queries]


def _growth(small: list[str], large: list[str]) -> str:
    """The statements the large organization ran more often, to point at the N+1."""
    from collections import Counter

    diff = Counter(large)
    diff.subtract(Counter(small))
    grown = [f"{n}× {sql[:300]}" for sql, n in diff.most_common(3) if n > 0]
    return "\n".join(grown)


@pytest.mark.parametrize("route", CASES)
def test_query_count_does_not_grow_with_the_data(route, sized, db, client):
    small, large = sized
    status_s, count_s, sql_s = measure(client, small, route)
    if status_s == 405:
        pytest.skip("does not answer GET")
    status_l, count_l, sql_l = measure(client, large, route)
    if count_s != count_l:  # a cache warmed by the first request: measure both again
        status_s, count_s, sql_s = measure(client, small, route)
        status_l, count_l, sql_l = measure(client, large, route)
    assert status_s == status_l, f"{route}: {status_s} with {SMALL} rows, {status_l} with {LARGE}"
    assert count_s == count_l, (
        f"{route}: {count_s} queries with {SMALL} rows, {count_l} with {LARGE}; grown:\n"
        + _growth(sql_s, sql_l)
    )


def test_it_covers_the_main_pages():
    names = {r.name for r in ROUTES}
    assert {"risks:list", "risks:detail", "evidence:detail", "findings-api:finding-list"} <= names
