"""Every upload and import route against the hostile-input corpus (``conftest.py``).

The routes are found by walking the URL resolver (as ``tests/test_access.py`` does) and keeping
the views that read files; ``ROUTES`` says how to post a file to each, and a route that reads
files but is missing from it fails ``test_every_upload_route_is_covered``.

For every route and item:

* no answer is a server error (5xx);
* an import route (it parses the file into records: SoA, checklist, sample population,
  connector output) stores nothing: no new ledger entry, no new evidence version;
* an evidence route stores files as opaque, content-addressed blobs (any file can be evidence),
  so there an accepted item must be neutralised: the stored name is a bare file name, never a
  path, and the download is an attachment with ``nosniff``, so a browser neither renders the
  SVG or HTML nor guesses a type from a GIF/JS or PDF/ZIP polyglot.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from rest_framework import serializers

from annexa.orgs.choices import Role
from tests.hostile.conftest import Hostile, corpus
from tests.test_access import FACTORIES, ROUTE_KWARGS, view_model, walk

pytestmark = pytest.mark.django_db

# Past the upload limit the test sets (UPLOAD_MAX_BYTES below), the framing overhead included.
UPLOAD_LIMIT = 256 * 1024
OVERSIZED = 2 * 1024 * 1024 + UPLOAD_LIMIT
NESTED_JSON = b"[" * 100_000 + b"]" * 100_000


@dataclass(frozen=True)
class Spec:
    field: str  # the file's form field
    stores_evidence: bool  # True: any file may be kept as evidence; False: an import
    data: dict = field(default_factory=dict)  # the other fields, filled as a user would


EVIDENCE = {"valid_days": "30", "title": "hostile"}
# A certificate with its report: the file is kept as the supplier's evidence.
SUPPLIER_ASSESSMENT = {
    "kind": "iso27001",
    "assessed_on": "2026-05-01",
    "expires_on": "2027-05-01",
    "result": "satisfactory",
}
ROUTES = {
    "evidence:upload": Spec("file", True, EVIDENCE),
    "evidence:new-version": Spec("file", True, {"valid_days": "30", "note": "hostile"}),
    "evidence-api:list": Spec("file", True, EVIDENCE),
    "evidence-api:versions": Spec("file", True, {"valid_days": "30"}),
    "audits:checklist-item-save": Spec("upload", True, {"upload_title": "hostile"}),
    "audits-api:checklist-item-upload": Spec("file", True, {"title": "hostile"}),
    "audits:evidence-request-upload": Spec("file", True, {"valid_days": "30"}),
    "audits-api:evidence-request-upload": Spec("file", True, {"valid_days": "30"}),
    "isms:soa-import": Spec("file", False),
    "isms-api:soa-import": Spec("file", False),
    "audits:checklist-import": Spec("file", False),
    "audits-api:checklist-import": Spec("file", False),
    "audits:checklist-item-sampling": Spec(
        "population_file", False, {"rule": "fixed", "size": "2", "column": ""}
    ),
    "audits-api:checklist-item-samples": Spec(
        "population_file", False, {"rule": "fixed", "size": "2", "column": ""}
    ),
    "connectors:import": Spec("file", False, {"kind": "", "valid_days": "30"}),
    "connectors-api:ingest": Spec("file", False, {"valid_days": "30"}),
    "risks-api:import": Spec("file", False),
    "assets-api:import": Spec("file", False),
    "suppliers:assess": Spec("file", True, SUPPLIER_ASSESSMENT),
    "suppliers-api:supplier-assessments": Spec("file", True, SUPPLIER_ASSESSMENT),
    "people:import": Spec("file", False),
    "people-api:import": Spec("file", False),
    "access:create": Spec(
        "file",
        False,
        {"new_system": "Hostile", "reviewer_mode": "system_owner", "due_date": "2099-12-31"},
    ),
    "access:import": Spec("file", False),
    "access-api:review-import": Spec("file", False),
    "access-api:accounts-import": Spec("file", False, {"system": "Hostile"}),
    "documents:add-version": Spec("file", True, {"change_summary": "hostile"}),
    "documents-api:document-versions": Spec("file", True, {"change_summary": "hostile"}),
}
FILE_MARKERS = ("FILES", "FileField", "limit_uploads")


def _view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def reads_files(callback) -> bool:
    """Whether the view (or an Annexa class it inherits) reads uploaded files."""
    view_class = _view_class(callback)
    if view_class is None:
        return False
    own = [c for c in view_class.__mro__ if c.__module__.startswith("annexa.")]
    if any(marker in inspect.getsource(c) for c in own for marker in FILE_MARKERS):
        return True
    form = getattr(view_class, "form_class", None)
    if form and any(isinstance(f, forms.FileField) for f in form.base_fields.values()):
        return True
    serializer = getattr(view_class, "serializer_class", None)
    return isinstance(serializer, type) and any(
        isinstance(f, serializers.FileField)
        for f in getattr(serializer, "_declared_fields", {}).values()
    )


UPLOAD_ROUTES = [r for r in walk(get_resolver().url_patterns) if reads_files(r.callback)]


@functools.cache
def items() -> tuple[Hostile, ...]:
    return tuple(corpus(OVERSIZED))


def test_every_upload_route_is_covered():
    found = {r.name for r in UPLOAD_ROUTES}
    assert found == set(ROUTES), (
        f"routes that read files but have no Spec: {sorted(found - set(ROUTES))}; "
        f"Specs without a route: {sorted(set(ROUTES) - found)}"
    )


@pytest.fixture
def world(settings, acme):
    """Acme with one object of every kind (for the URLs' pk) and its owner signed in."""
    from annexa.core.testing.fixtures import make_persona
    from annexa.isms.services.soa import ensure_soa
    from annexa.orgs.models import APIKey

    settings.UPLOAD_MAX_BYTES = UPLOAD_LIMIT
    objects = {model: factory(acme) for model, factory in FACTORIES.items()}
    # The SoA rows of every catalog control, which the SoA pages create (and the ledger
    # records) on first use: only what the hostile items do is counted.
    ensure_soa(acme)
    owner = make_persona(acme, "owner@acme.test", Role.OWNER, "Olive Owner")
    _key, plaintext = APIKey.issue(user=owner.user, organization=acme, name="hostile")
    return acme, objects, owner.user, plaintext


def _url(route, org, objects) -> str:
    kwargs = {}
    for name in route.kwargs:
        if name == "org":
            kwargs[name] = org.slug
        elif name == "pk":
            kwargs[name] = objects[view_model(route.callback)].pk
        else:
            kwargs[name] = ROUTE_KWARGS[name](org)
    return reverse(route.name, kwargs=kwargs)


def _counts() -> tuple[int, int]:
    from annexa.evidence.models import EvidenceVersion
    from annexa.ledger.models import LedgerEntry

    return LedgerEntry.objects.count(), EvidenceVersion.objects.count()


def _new_versions(before: int):
    from annexa.evidence.models import EvidenceVersion

    return list(EvidenceVersion.objects.order_by("pk")[before:])


def _post(client, route, url: str, spec: Spec, item: Hostile, api_key: str):
    upload = SimpleUploadedFile(item.filename, item.content, content_type=item.content_type)
    data = {**spec.data, spec.field: upload}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key}"} if route.text.startswith("api/") else {}
    return client.post(url, data, **headers)


def _assert_neutralised(client, version, item: Hostile) -> None:
    name = version.filename
    assert "/" not in name and "\\" not in name and not name.startswith(".."), (
        f"{item.name}: stored under the name {name!r}, a path"
    )
    download = client.get(
        reverse("evidence-api:download", kwargs={"org": "acme", "pk": version.pk})
    )
    assert download.status_code == 200, f"{item.name}: download answered {download.status_code}"
    assert download["Content-Disposition"].startswith("attachment"), (
        f"{item.name}: served {download['Content-Disposition']!r}, not as an attachment"
    )
    assert download["X-Content-Type-Options"] == "nosniff", f"{item.name}: served without nosniff"


@pytest.mark.parametrize("route", UPLOAD_ROUTES, ids=lambda r: r.name)
def test_hostile_files_are_refused_or_neutralised(route, world, client):
    org, objects, owner, api_key = world
    client.force_login(owner)
    spec = ROUTES[route.name]
    url = _url(route, org, objects)
    for item in items():
        entries, versions = _counts()
        response = _post(client, route, url, spec, item, api_key)
        what = f"{route.name} with {item.name}"
        assert response.status_code < 500, f"{what}: {response.status_code}"
        new_entries, new_versions = _counts()
        if not spec.stores_evidence:
            assert (new_entries, new_versions) == (entries, versions), f"{what}: stored something"
            continue
        for version in _new_versions(versions):
            _assert_neutralised(client, version, item)


@pytest.mark.parametrize(
    "route", [r for r in UPLOAD_ROUTES if r.text.startswith("api/")], ids=lambda r: r.name
)
def test_deeply_nested_json_is_refused(route, world, client):
    org, objects, _owner, api_key = world
    entries, versions = _counts()
    response = client.post(
        _url(route, org, objects),
        NESTED_JSON,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert _counts() == (entries, versions)
