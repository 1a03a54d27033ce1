"""Every list is paginated: no page or API endpoint returns an unbounded set of rows.

The organization routes are found by walking the URL resolver (``tests/test_access.py``), so a
list added tomorrow is checked without anyone remembering to list it:

* every API route answering GET with a JSON array must be in ``UNPAGED_API`` with the reason its
  length is bounded; every other list answers ``{count, next, previous, results}``, honours
  ``?limit=1`` and never gives more than ``MAX_PAGE_SIZE`` rows, whatever ``?limit`` asks;
* every web list view (a Django ``ListView``) has ``paginate_by``, or is in ``UNPAGED_PAGES``
  with the reason its length is bounded.

Run one app's routes with ``-k <app>``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.views.generic.list import MultipleObjectMixin

from annexa.core.api import MAX_PAGE_SIZE
from annexa.core.testing.scale import Sized, build
from tests.test_access import FACTORIES, ORG_ROUTES, Route, World, org_url
from tests.test_query_counts import excluded

PAGE_KEYS = {"count", "next", "previous", "results"}
CATALOG = "bounded by the catalog (93 Annex A controls, the clauses' requirements)"
# API routes answering a JSON array, and why its length is bounded.
UNPAGED_API: dict[str, str] = {
    "monitoring-api:controls": CATALOG,
    "monitoring-api:tests": "the control tests the installed code defines",
    "connectors-api:types": "the connector plugins the installed code defines",
    "findings-api:finding-guidance": "the finding grades the methodology defines",
}
# Web list views without paginate_by, and why their length is bounded.
UNPAGED_PAGES: dict[str, str] = {}
# Lists found unbounded and not fixed yet: each case fails until its owner pages it (then the
# strict xfail fails and the entry is removed). Sub-collections of one object answer a bare array.
NOT_YET = "answers every row as a bare JSON array; to page (changes the API's shape)"
KNOWN_UNBOUNDED: dict[str, str] = {}


def _cases(routes: list[Route]) -> list:
    """``routes`` as parameters, those of KNOWN_UNBOUNDED expected to fail (strictly)."""
    return [
        pytest.param(
            r,
            id=r.name or r.text,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_UNBOUNDED[r.name])]
            if r.name in KNOWN_UNBOUNDED
            else [],
        )
        for r in routes
    ]


def _view_class(route: Route):
    return getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)


API_ROUTES = [r for r in ORG_ROUTES if r.is_api and excluded(r) is None]
PAGE_ROUTES = [
    r
    for r in ORG_ROUTES
    if not r.is_api
    and isinstance(_view_class(r), type)
    and issubclass(_view_class(r), MultipleObjectMixin)
]


@pytest.fixture(scope="module")
def sized(django_db_setup, django_db_blocker) -> Iterator[Sized]:
    """An organization with two rows of everything (so ``?limit=1`` leaves a next page)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build("paging", 2, FACTORIES)
        transaction.set_rollback(True)


def _get(client, s: Sized, route: Route, query: str = ""):
    client.force_login(s.owner)
    objects = {(s.org.pk, model): instance for model, instance in s.first.items()}
    world = World(a=s.org, b=s.org, objects=objects, owner=s.owner, viewer=s.owner)
    return client.get(org_url(route, world, s.org) + query, HTTP_ACCEPT="application/json")


def _json(response):
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    return response.json()


@pytest.mark.parametrize("route", _cases(API_ROUTES))
def test_api_lists_are_paginated_and_capped(route, sized, db, client):
    body = _json(_get(client, sized, route))
    if isinstance(body, list):
        assert route.name in UNPAGED_API, (
            f"{route} answers a bare JSON array: paginate it (annexa.core.api."
            "LimitOffsetPagination, the default) or say in UNPAGED_API why it is bounded"
        )
        return
    if not (isinstance(body, dict) and body.keys() >= PAGE_KEYS):
        pytest.skip("not a list")
    assert route.name not in UNPAGED_API, f"{route} is paginated: remove it from UNPAGED_API"
    first = _json(_get(client, sized, route, "?limit=1"))
    assert len(first["results"]) <= 1, f"{route}: ?limit=1 gave {len(first['results'])} rows"
    if first["count"] > 1:
        assert first["next"], f"{route}: more rows than the page, but no next link"
    paginator = _view_class(route).pagination_class()
    assert paginator.max_limit is not None and paginator.max_limit <= MAX_PAGE_SIZE, (
        f"{route}: ?limit is not capped (max_limit {paginator.max_limit})"
    )


def test_a_limit_above_the_cap_gives_the_cap(sized, db, client, monkeypatch):
    from annexa.core import api

    monkeypatch.setattr(api.LimitOffsetPagination, "max_limit", 1)
    route = next(r for r in API_ROUTES if r.name == "risks-api:risk-list")
    body = _json(_get(client, sized, route, "?limit=100000"))
    assert body["count"] > 1 and len(body["results"]) == 1 and body["next"]


@pytest.mark.parametrize("route", _cases(PAGE_ROUTES))
def test_list_pages_are_paginated(route):
    if route.name in UNPAGED_PAGES:
        return
    assert getattr(_view_class(route), "paginate_by", None), (
        f"{route} lists rows without paginate_by: paginate it or say in UNPAGED_PAGES why it "
        "is bounded"
    )


def test_it_finds_the_lists():
    names = {r.name for r in PAGE_ROUTES}
    assert {"risks:list", "evidence:list", "findings:list"} <= names
