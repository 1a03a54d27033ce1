"""Every upload and import route refuses an oversized body with 413, before reading it.

The routes are found by walking the URL resolver (as ``test_access`` does): a view that handles
files (its code reads ``request.FILES``, installs the upload handler or takes an upload) must be
registered with ``@body_limit`` (``annexa.core.limits.UPLOAD_ROUTES``), and each registered
view is posted an oversized body twice — with a ``Content-Length`` over the limit (not one byte
may be read) and as a chunked body without a length (reading stops one chunk past the limit).
The body comes from a ``wsgi.input`` that counts the bytes the server reads, and nothing may be
stored: no ledger entry, no evidence version, no file left in the upload folder.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from annexa.core import limits
from annexa.evidence.models import EvidenceVersion
from annexa.ledger.models import LedgerEntry
from tests.test_access import ROUTES, Route, org_url, world  # noqa: F401 (the fixture)

# What the code of a view that receives files contains.
FILE_MARKERS = ("request.FILES", "limit_uploads(", "content_of(", "uploaded_path(")


def view_class(route: Route) -> type | None:
    return getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)


def handles_files(cls: type) -> bool:
    sources = []
    for klass in cls.__mro__:
        if klass.__module__.startswith("annexa."):
            sources.append(inspect.getsource(klass))
    return any(marker in source for source in sources for marker in FILE_MARKERS)


UPLOAD_ROUTES = [r for r in ROUTES if view_class(r) in limits.UPLOAD_ROUTES]


class CountingInput:
    """A ``wsgi.input`` of ``size`` bytes made on demand, counting what is read of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.read_bytes
        size = left if size is None or size < 0 else min(size, left)
        self.read_bytes += size
        return b"x" * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def upload_files() -> set[Path]:
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    return set(folder.rglob("*")) if folder.exists() else set()


def stored() -> tuple[int, int]:
    return LedgerEntry.objects.count(), EvidenceVersion.objects.count()


def body_limit(route: Route) -> int:
    return limits.file_limit(view_class(route)) + limits.FORM_OVERHEAD


def test_every_view_that_receives_files_declares_its_limit():
    receiving = {view_class(r) for r in ROUTES if view_class(r) and handles_files(view_class(r))}
    missing = sorted(c.__qualname__ for c in receiving - set(limits.UPLOAD_ROUTES))
    assert not missing, f"decorate with annexa.core.limits.body_limit: {missing}"
    names = {r.name for r in UPLOAD_ROUTES}
    # The detection finds the known upload and import routes of every app.
    assert {
        "evidence:upload",
        "evidence-api:list",
        "audits:checklist-item-sampling",
        "audits-api:checklist-item-samples",
        "isms:soa-import",
        "isms-api:soa-import",
        "connectors:import",
        "connectors-api:ingest",
    } <= names, names
    unrouted = set(limits.UPLOAD_ROUTES) - {view_class(r) for r in UPLOAD_ROUTES}
    assert not unrouted, f"registered but not routed: {unrouted}"


@pytest.fixture
def small_uploads(settings):
    settings.UPLOAD_MAX_BYTES = 256 * 1024  # keeps the chunked bodies small


def post_oversized(client, url: str, body: CountingInput, *, chunked: bool):
    extra = {"CONTENT_TYPE": MULTIPART_CONTENT, "wsgi.input": body}
    if chunked:
        extra["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        extra["CONTENT_LENGTH"] = str(body.size)
    return client.generic("POST", url, b"", **extra)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("route", UPLOAD_ROUTES, ids=[r.name for r in UPLOAD_ROUTES])
def test_an_oversized_body_gets_413_and_is_not_read(
    route,
    chunked,
    world,  # noqa: F811 (the fixture imported from test_access)
    db,
    client,
    small_uploads,
):
    client.force_login(world.owner)
    url = org_url(route, world, world.a)
    limit = body_limit(route)
    body = CountingInput(limit + 1 if not chunked else limit + 4 * limits.CHUNK)
    before, files_before = stored(), upload_files()

    response = post_oversized(client, url, body, chunked=chunked)

    assert response.status_code == 413, f"{route}: {response.status_code}"
    if chunked:
        assert body.read_bytes <= limit + limits.CHUNK, f"{route}: read {body.read_bytes:,}"
    else:
        assert body.read_bytes == 0, f"{route}: read {body.read_bytes:,} bytes of the body"
    assert stored() == before
    assert upload_files() <= files_before
    if route.is_api:
        assert "too large" in response.json()["detail"]


def test_a_body_just_within_the_limit_reaches_the_view(world, db, client):  # noqa: F811
    """The limit is the route's: a sampling body of 5 MiB + form is read (and judged by the
    view), while a route that takes no files refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE."""
    client.force_login(world.owner)
    route = next(r for r in UPLOAD_ROUTES if r.name == "audits:checklist-item-sampling")
    size = body_limit(route)
    body = CountingInput(size)
    response = post_oversized(client, org_url(route, world, world.a), body, chunked=False)
    assert response.status_code != 413
    plain = reverse("orgs:members", kwargs={"org": world.a.slug})
    over = max(size, settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 1
    response = post_oversized(client, plain, CountingInput(over), chunked=False)
    assert response.status_code == 413


def test_a_chunked_upload_within_the_limit_is_stored(world, db, client):  # noqa: F811
    """Without a length the body is spooled and handed to the view: the evidence is stored."""
    client.force_login(world.owner)
    payload = encode_multipart(BOUNDARY, {"file": _named(b"ok,chunked\n", "list.csv")})

    class Chunked(CountingInput):
        def read(self, size: int = -1) -> bytes:
            start = self.read_bytes
            data = super().read(size)
            return payload[start : start + len(data)]

    url = reverse("evidence-api:list", kwargs={"org": world.a.slug})
    before = EvidenceVersion.objects.count()
    response = post_oversized(client, url, Chunked(len(payload)), chunked=True)
    assert response.status_code == 201, response.content
    assert EvidenceVersion.objects.count() == before + 1


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
