"""Every route of Annexa keeps organizations apart and viewers read-only.

The routes are found by walking the project's URL resolver, so a page or API added tomorrow is
covered without anyone remembering to list it. For each route with an ``<org>`` kwarg:

* a member of organization A (owner or viewer) asking for organization B's URL gets 404,
  for GET and POST alike, and A's URL carrying the ``pk`` of B's object is 404 too;
* a viewer of A gets 403 for every unsafe method on A's URL;
* an anonymous caller is sent to the login page (web) or refused with 401/403 (API).

Routes without ``<org>`` must refuse anonymous callers unless listed in ``PUBLIC``.

URL kwargs are filled from the factory registry: every installed Annexa app may provide
``annexa/<app>/tests/factories.py`` with ``FACTORIES = {Model: callable(org) -> instance}`` and
``ROUTE_KWARGS = {kwarg: callable(org) -> value}``. ``pk`` is the pk of the view's model in the
target organization. A route whose kwargs cannot be filled fails, naming the route.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from annexa.core.tenancy import OrgOwned
from annexa.core.testing.fixtures import give_totp
from annexa.orgs.choices import Role
from annexa.orgs.mfa import role_requires
from annexa.orgs.models import Membership, Organization, User

# Route families this test does not cover, and why.
SKIPPED = {
    "accounts/": "allauth's login, logout and password pages: public by design, allauth's tests",
    "admin/": "the Django admin: superusers only, not organization-scoped",
    "api/schema/": "the OpenAPI schema: describes routes, holds no organization data",
    "api/docs/": "the API docs page: static HTML around the schema",
    "static/": "static files: public assets",
}
FORMAT_SUFFIX_REASON = "format-suffix duplicate of a route that is tested without the suffix"
# Routes without <org> that anyone may request, and why.
PUBLIC = {
    "healthz": "liveness probe for load balancers; says only that the database answers",
    "audits-feed:ics": "calendar feed for subscribing clients (no session): the secret token in "
    "the URL is the credential, an unknown token gets 404 (annexa/audits/tests/test_feed.py)",
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with its full route text and namespaced name."""

    text: str
    name: str | None
    callback: Callable
    kwargs: tuple[str, ...]
    converters: dict[str, Any] = field(hash=False, compare=False)

    @property
    def is_api(self) -> bool:
        return self.text.startswith("api/")

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} [{self.text}]"


def _pattern_text(pattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = text.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    return text


def _pattern_kwargs(pattern) -> tuple[tuple[str, ...], dict[str, Any]]:
    # The names come from the pattern's own regex: Django copies a parent's converters into
    # its children's ``converters`` (and shares that dict between identical routes), so that
    # attribute alone would give allauth's pages an ``org`` kwarg.
    names = tuple(pattern.regex.groupindex)
    converters = getattr(pattern, "converters", {})
    return names, {name: converters[name] for name in names if name in converters}


def walk(patterns, prefix: str = "", namespace: str = "", kwargs=(), converters=None):
    """Every URLPattern below ``patterns``, with the route text and kwargs of its ancestors."""
    converters = converters or {}
    for entry in patterns:
        names, convs = _pattern_kwargs(entry.pattern)
        text = prefix + _pattern_text(entry.pattern)
        all_kwargs, all_convs = (*kwargs, *names), {**converters, **convs}
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, text, inner, all_kwargs, all_convs)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(text, name, entry.callback, all_kwargs, all_convs)


def skip_reason(route: Route) -> str | None:
    for prefix, reason in SKIPPED.items():
        if route.text.startswith(prefix):
            return reason
    if "format" in route.kwargs:
        return FORMAT_SUFFIX_REASON
    return None


def project_routes() -> list[Route]:
    return [r for r in walk(get_resolver().url_patterns) if skip_reason(r) is None]


# --- the factory registry ------------------------------------------------------------------


def load_registry() -> tuple[dict, dict]:
    """FACTORIES and ROUTE_KWARGS merged from every installed Annexa app that has them."""
    factories: dict = {}
    route_kwargs: dict = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("annexa."):
            continue
        module_name = f"{config.name}.tests.factories"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name not in (module_name, f"{config.name}.tests"):
                raise  # the module exists but imports something missing: a real error
            continue
        factories.update(getattr(module, "FACTORIES", {}))
        route_kwargs.update(getattr(module, "ROUTE_KWARGS", {}))
    return factories, route_kwargs


FACTORIES, ROUTE_KWARGS = load_registry()
ROUTES = project_routes()
ORG_ROUTES = [r for r in ROUTES if "org" in r.kwargs]
PK_ROUTES = [r for r in ORG_ROUTES if "pk" in r.kwargs]
OTHER_ROUTES = [r for r in ROUTES if "org" not in r.kwargs]


def _ids(routes: list[Route]) -> list[str]:
    return [r.name or r.text for r in routes]


# --- two populated organizations -----------------------------------------------------------


@dataclass
class World:
    a: Organization
    b: Organization
    objects: dict[tuple[int, type], Any]
    owner: User
    viewer: User


def _populate(org: Organization) -> dict[tuple[int, type], Any]:
    return {(org.pk, model): factory(org) for model, factory in FACTORIES.items()}


def _member(org: Organization, email: str, role: str) -> User:
    user = User.objects.create_user(email)
    if role_requires(role):
        give_totp(user)  # two-factor set up, so the pages answer rather than ask for it
    Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at its end; each
    test runs in a savepoint of it (pytest-django's ``db``), so nothing leaks between them."""
    with django_db_blocker.unblock(), transaction.atomic():
        a = Organization.objects.create(name="Org A", slug="org-a")
        b = Organization.objects.create(name="Org B", slug="org-b")
        objects = {**_populate(a), **_populate(b)}
        owner = _member(a, "owner@a.test", Role.OWNER)
        viewer = _member(a, "viewer@a.test", Role.VIEWER)
        yield World(a=a, b=b, objects=objects, owner=owner, viewer=viewer)
        transaction.set_rollback(True)


# --- building URLs -------------------------------------------------------------------------


def view_model(callback: Callable):
    """The model a view works on: ``model`` (web) or ``queryset.model`` (web and DRF)."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    model = getattr(view_class, "model", None)
    if model is None:
        model = getattr(getattr(view_class, "queryset", None), "model", None)
    return model


def _pk(route: Route, world: World, org: Organization) -> Any:
    model = view_model(route.callback)
    if model is None:
        pytest.fail(
            f"{route}: cannot tell which model `pk` names; give the view `model` or `queryset`"
        )
    instance = world.objects.get((org.pk, model))
    if instance is None:
        pytest.fail(
            f"{route}: no factory for {model.__name__}; add it to FACTORIES in "
            f"{model._meta.app_config.name}.tests.factories"
        )
    return instance.pk


def _other_kwarg(route: Route, name: str, org: Organization) -> Any:
    if name not in ROUTE_KWARGS:
        pytest.fail(
            f"{route}: no value for URL kwarg {name!r}; add it to ROUTE_KWARGS in your app's "
            "tests/factories.py"
        )
    return ROUTE_KWARGS[name](org)


def org_url(route: Route, world: World, org: Organization, pk_org: Organization | None = None):
    """``route`` in ``org``, with ``pk`` taken from ``pk_org``'s object (default: ``org``)."""
    kwargs: dict[str, Any] = {}
    for name in route.kwargs:
        if name == "org":
            kwargs[name] = org.slug
        elif name == "pk":
            kwargs[name] = _pk(route, world, pk_org or org)
        else:
            kwargs[name] = _other_kwarg(route, name, org)
    return _reverse(route, kwargs)


def _reverse(route: Route, kwargs: dict[str, Any]) -> str:
    if not route.name:
        pytest.fail(f"{route}: give the route a name so it can be built and tested")
    return reverse(route.name, kwargs=kwargs)


# A sample for each built-in converter: anonymous callers are stopped before any lookup, so any
# well-formed value shows whether a route without <org> asks for a login.
SAMPLES = {"int": 1, "slug": "sample", "str": "sample", "path": "sample", "uuid": uuid.UUID(int=1)}


def plain_url(route: Route, world: World) -> str:
    kwargs: dict[str, Any] = {}
    for name in route.kwargs:
        if name in ROUTE_KWARGS:
            kwargs[name] = ROUTE_KWARGS[name](world.a)
            continue
        converter = route.converters.get(name)
        kind = type(converter).__name__.removesuffix("Converter").lower() if converter else None
        if converter is not None and kind not in SAMPLES:
            pytest.fail(f"{route}: no value for URL kwarg {name!r}; add it to ROUTE_KWARGS")
        kwargs[name] = SAMPLES.get(kind, "1")
    return _reverse(route, kwargs)


def call(client, method: str, url: str):
    """One request; bodies are empty (a form POST, JSON for the other unsafe methods)."""
    if method in ("GET", "POST"):
        return getattr(client, method.lower())(url)
    return client.generic(method, url, b"{}", content_type="application/json")


def assert_status(response, expected: set[int], what: str) -> None:
    assert response.status_code in expected, (
        f"{what}: expected {sorted(expected)}, got {response.status_code}"
    )


def assert_login_required(route: Route, response, what: str) -> None:
    if route.is_api:
        assert_status(response, {401, 403}, what)
        return
    assert_status(response, {302}, what)
    login = reverse("account_login")
    assert response.url.startswith(login), f"{what}: redirected to {response.url}, not {login}"


# --- the tests -----------------------------------------------------------------------------


def test_it_finds_the_organization_routes():
    names = {r.name for r in ORG_ROUTES}
    assert {"orgs:members", "orgs-api:membership-detail"} <= names


def test_it_has_a_factory_for_every_org_owned_model():
    owned = [m for m in apps.get_models() if issubclass(m, OrgOwned)]
    missing = [f"{m._meta.label}" for m in owned if m not in FACTORIES]
    assert not missing, f"add to FACTORIES in their app's tests/factories.py: {missing}"


def test_it_builds_every_instance_in_its_own_organization(world, db):
    for (org_pk, model), instance in world.objects.items():
        assert isinstance(instance, model), f"the factory of {model.__name__} built {instance!r}"
        assert instance.organization_id == org_pk, f"{model.__name__} built in another org"


@pytest.mark.parametrize("role", ["owner", "viewer"])
@pytest.mark.parametrize("route", ORG_ROUTES, ids=_ids(ORG_ROUTES))
def test_it_hides_other_organizations(route, role, world, db, client):
    client.force_login(getattr(world, role))
    url = org_url(route, world, world.b)
    for method in ("GET", "POST"):
        assert_status(call(client, method, url), {404}, f"{role} of A: {method} {url}")


@pytest.mark.parametrize("role", ["owner", "viewer"])
@pytest.mark.parametrize("route", PK_ROUTES, ids=_ids(PK_ROUTES))
def test_it_hides_objects_of_other_organizations(route, role, world, db, client):
    client.force_login(getattr(world, role))
    url = org_url(route, world, world.a, pk_org=world.b)
    statuses = []
    for method in ("GET", "POST"):
        status = call(client, method, url).status_code
        if status != 404:
            # Refusing the method outright (405, or 403 to a viewer or from a read-only view)
            # reveals nothing, as long as A's own object gets the very same answer.
            own = call(client, method, org_url(route, world, world.a)).status_code
            assert status in {403, 405} and own == status, (
                f"{role} of A: {method} {url} (B's pk): got {status}, and {own} for A's own pk"
            )
        statuses.append(status)
    if role == "owner":  # the owner may use every method, so one of them must reach the lookup
        assert 404 in statuses, f"{route}: answers neither GET nor POST with 404 for B's object"


@pytest.mark.parametrize("route", ORG_ROUTES, ids=_ids(ORG_ROUTES))
def test_it_refuses_changes_to_viewers(route, world, db, client):
    client.force_login(world.viewer)
    url = org_url(route, world, world.a)
    for method in UNSAFE:
        assert_status(call(client, method, url), {403}, f"viewer of A: {method} {url}")


@pytest.mark.parametrize("route", ORG_ROUTES, ids=_ids(ORG_ROUTES))
def test_it_asks_anonymous_callers_to_log_in(route, world, db, client):
    url = org_url(route, world, world.a)
    for method in ("GET", "POST"):
        assert_login_required(route, call(client, method, url), f"anonymous: {method} {url}")


@pytest.mark.parametrize("route", OTHER_ROUTES, ids=_ids(OTHER_ROUTES))
def test_it_guards_routes_outside_organizations(route, world, db, client):
    url = plain_url(route, world)
    response = call(client, "GET", url)
    if route.name in PUBLIC:
        assert_status(response, {200}, f"public route: GET {url}")
    else:
        assert_login_required(route, response, f"anonymous: GET {url}")


def test_it_skips_no_organization_route():
    for route in walk(get_resolver().url_patterns):
        reason = skip_reason(route)
        if reason is not None and reason != FORMAT_SUFFIX_REASON:
            assert "org" not in route.kwargs, f"{route} is organization data under a skipped prefix"


def test_it_fails_a_route_whose_kwargs_it_cannot_fill(world, db):
    def view(request, **kwargs):
        raise AssertionError("never called")

    unknown = Route("o/<slug:org>/x/<str:mystery>/", "x:mystery", view, ("org", "mystery"), {})
    with pytest.raises(pytest.fail.Exception, match="no value for URL kwarg 'mystery'"):
        org_url(unknown, world, world.a)
    no_model = Route("o/<slug:org>/x/<int:pk>/", "x:detail", view, ("org", "pk"), {})
    with pytest.raises(pytest.fail.Exception, match="cannot tell which model"):
        org_url(no_model, world, world.a)
