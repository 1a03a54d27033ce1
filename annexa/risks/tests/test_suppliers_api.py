"""The supplier register's API: list with the page's filters, retrieve with its version as
ETag, create, PATCH with If-Match, retire and reinstate, assessments as JSON or with a file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annexa.evidence.models import Evidence
from annexa.ledger.models import LedgerEntry
from annexa.orgs.models import APIKey
from annexa.risks.models import Supplier
from annexa.risks.services import suppliers

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


BASE = "/api/v1/orgs/acme/suppliers/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def api_client(client, persona):
    _key, plaintext = APIKey.issue(user=persona.user, organization=persona.ctx.org, name="t")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


@pytest.fixture
def api(client, isla):
    return api_client(client, isla)


@pytest.fixture
def cloud(isla, colin, phishing):
    supplier = suppliers.create_supplier(
        isla.ctx,
        {
            "name": "Old Cloud",
            "service": "Hosting",
            "criticality": "critical",
            "owner": colin.user,
            "review_date": _today() - dt.timedelta(days=2),
            "risks": [phishing],
        },
    )
    suppliers.record_assessment(
        isla.ctx,
        supplier,
        {
            "kind": "iso27001",
            "assessed_on": _today() - dt.timedelta(days=400),
            "expires_on": _today() - dt.timedelta(days=5),
            "result": "satisfactory",
        },
    )
    return supplier


def test_it_lists_and_filters_suppliers(api, cloud, isla):
    suppliers.create_supplier(
        isla.ctx, {"name": "Good Mail", "service": "Mail", "criticality": "low"}
    )
    response = api.get(BASE)
    assert response.status_code == 200
    names = [s["name"] for s in response.json()["results"]]
    assert names == ["Good Mail", "Old Cloud"]
    expired = api.get(BASE, {"certificate": "expired", "overdue": "true"}).json()["results"]
    [row] = expired
    assert (row["reference"], row["owner"], row["risks"]) == (
        "SUP-001",
        "colin@acme.test",
        ["R-0001"],
    )
    assert row["review_overdue"] is True
    assert row["certificate"] == {
        "state": "expired",
        "text": f"ISO/IEC 27001 certificate expired {_today() - dt.timedelta(days=5)}",
        "kind": "iso27001",
        "expires_on": (_today() - dt.timedelta(days=5)).isoformat(),
    }
    refused = api.get(BASE, {"certificate": "soon"})
    assert refused.status_code == 400 and "certificate" in refused.json()


def test_retrieve_gives_the_version_as_etag(api, cloud):
    response = api.get(f"{BASE}{cloud.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["assessments"][0]["kind"] == "iso27001"


def test_create_and_refusals_named_by_field(api, colin):
    created = api.post(
        BASE,
        {
            "name": "PayFast Ltd",
            "service": "Payroll",
            "criticality": "high",
            "owner": colin.user.email,
            "risks": [],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["reference"] == "SUP-001" and created["ETag"] == '"1"'
    refused = api.post(
        BASE,
        {"name": "payfast ltd", "criticality": "high", "risks": ["R-0042"]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"name", "service", "risks"}
    not_member = api.post(BASE, {"owner": "nobody@else.test"}, content_type="application/json")
    assert not_member.status_code == 400 and "owner" in not_member.json()
    number = api.post(BASE, {"name": 0}, content_type="application/json")
    assert number.status_code == 400 and "name" in number.json()


def test_patch_needs_the_version_read(api, cloud):
    url = f"{BASE}{cloud.pk}/"
    body = {"criticality": "high"}
    assert api.patch(url, body, content_type="application/json").status_code == 428
    changed = api.patch(url, body, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200 and changed["ETag"] == '"2"'
    assert changed.json()["criticality"] == "high"
    stale = api.patch(url, {"contract": "X"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["current_version"] == 2


def test_retire_and_reinstate(api, cloud):
    url = f"{BASE}{cloud.pk}/"
    assert api.post(f"{url}retire/", {}, content_type="application/json").status_code == 400
    retired = api.post(f"{url}retire/", {"reason": "Moved away."}, content_type="application/json")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert api.get(BASE).json()["results"] == []
    assert len(api.get(BASE, {"retired": "true"}).json()["results"]) == 1
    back = api.post(f"{url}reinstate/")
    assert back.status_code == 200 and back.json()["retired"] is False
    again = api.post(f"{url}reinstate/")
    assert again.status_code == 400 and "already in use" in str(again.json())


def test_assessments_as_json_and_with_a_file(api, cloud):
    url = f"{BASE}{cloud.pk}/assessments/"
    renewed = api.post(
        url,
        {
            "kind": "iso27001",
            "assessed_on": _today().isoformat(),
            "expires_on": (_today() + dt.timedelta(days=365)).isoformat(),
            "result": "satisfactory",
            "next_review": (_today() + dt.timedelta(days=180)).isoformat(),
        },
        content_type="application/json",
    )
    assert renewed.status_code == 201, renewed.content
    assert renewed.json()["evidence"] is None and renewed.json()["recorded_by"] == "isla@acme.test"
    report = api.post(
        url,
        {
            "kind": "soc2",
            "assessed_on": _today().isoformat(),
            "expires_on": (_today() + dt.timedelta(days=365)).isoformat(),
            "result": "conditions",
            "file": SimpleUploadedFile("soc2.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert report.status_code == 201, report.content
    evidence = Evidence.objects.get()
    assert report.json()["evidence"] == str(evidence.uid)
    listed = api.get(url)
    assert listed.status_code == 200 and listed.json()["count"] == 3
    assert len(listed.json()["results"]) == 3
    detail = api.get(f"{BASE}{cloud.pk}/").json()
    assert detail["review_overdue"] is False and detail["certificate"]["state"] == "valid"
    refused = api.post(
        url,
        {"kind": "soc2", "assessed_on": _today().isoformat(), "result": "satisfactory"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "expires_on" in refused.json()


def test_an_oversized_file_is_413(api, cloud, settings):
    settings.UPLOAD_MAX_BYTES = 50
    response = api.post(
        f"{BASE}{cloud.pk}/assessments/",
        {
            "kind": "questionnaire",
            "assessed_on": _today().isoformat(),
            "result": "satisfactory",
            "file": SimpleUploadedFile("q.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert cloud.assessments.count() == 1


def test_viewers_read_and_others_see_nothing(client, cloud, vera, oscar):
    viewer = api_client(client, vera)
    assert viewer.get(f"{BASE}{cloud.pk}/").status_code == 200
    assert viewer.get(f"{BASE}{cloud.pk}/assessments/").status_code == 200
    before = LedgerEntry.objects.count()
    for method, path in (
        ("post", BASE),
        ("patch", f"{BASE}{cloud.pk}/"),
        ("post", f"{BASE}{cloud.pk}/retire/"),
        ("post", f"{BASE}{cloud.pk}/assessments/"),
    ):
        response = getattr(viewer, method)(path, {"reason": "x"}, content_type="application/json")
        assert response.status_code == 403, (method, path)
    assert LedgerEntry.objects.count() == before
    outsider = api_client(client, oscar)
    assert outsider.get(f"{BASE}{cloud.pk}/").status_code == 404
    assert outsider.get("/api/v1/orgs/globex/suppliers/").json()["results"] == []
    assert outsider.get(f"/api/v1/orgs/globex/suppliers/{cloud.pk}/").status_code == 404
    assert Supplier.objects.count() == 1
