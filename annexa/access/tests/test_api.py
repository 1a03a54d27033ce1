"""The access-review API: list and filters, create, items, decide, confirm, revocation done,
close and import with If-Match, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from annexa.access.tests.conftest import SYSTEM, item
from annexa.core.testing.fixtures import make_persona
from annexa.orgs.choices import Role

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/acme/access-reviews/"


def api(persona) -> APIClient:
    client = APIClient()
    client.force_authenticate(persona.user)
    return client


def test_list_detail_and_items(review, vera):
    client = api(vera)
    listed = client.get(BASE, {"status": "open", "system": "pay"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["reference"] for r in rows] == ["AR-001"]
    assert client.get(BASE, {"status": "nonsense"}).status_code == 400
    detail = client.get(f"{BASE}{review.pk}/")
    assert detail["ETag"] == '"1"' and detail.json()["progress"]["undecided"] == 4
    found = client.get(f"{BASE}{review.pk}/items/", {"show": "orphans"}).json()
    found = found["results"] if isinstance(found, dict) else found
    assert sorted(i["username"] for i in found) == ["admin", "lee"]


def test_create(payroll, isla, colin):
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    body = {
        "system": SYSTEM,
        "reviewer_mode": "system_owner",
        "system_owner": "colin@acme.test",
        "due_date": due,
    }
    response = api(isla).post(BASE, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["progress"]["accounts"] == 4
    again = api(isla).post(BASE, {**body, "system": "Nowhere"}, format="json")
    assert again.status_code == 400 and "connector" in again.json()["system"][0]
    assert api(colin).post(BASE, body, format="json").status_code == 403


def test_decide_confirm_revoke_and_close(review, colin, isla, catalog):
    reviewer = api(colin)

    def decide(username, **body):
        return reviewer.post(
            f"{BASE}items/{item(review, username).pk}/decide/", body, format="json"
        )

    assert decide("lee", decision="revoke").status_code == 400
    assert decide("lee", decision="revoke", reason="Left").json()["revocation"] == "pending"
    assert decide("pat", decision="keep").json()["state"] == "Keep"
    assert decide("admin", decision="keep", reason="Break-glass").status_code == 200
    own = decide("colin", decision="keep", justification="Cover").json()
    assert own["awaiting_confirmation"] is True
    close_url = f"{BASE}{review.pk}/close/"
    assert api(isla).post(close_url).status_code == 428
    early = api(isla).post(close_url, HTTP_IF_MATCH='"1"')
    assert early.status_code == 400 and "1 awaiting a second reviewer" in early.json()[0]
    confirm = api(isla).post(f"{BASE}items/{item(review, 'colin').pk}/confirm/")
    assert confirm.json()["confirmed_by"] == "isla@acme.test"
    assert api(isla).post(close_url, HTTP_IF_MATCH='"9"').status_code == 412
    closed = api(isla).post(close_url, HTTP_IF_MATCH='"1"')
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["record_sha256"] and closed["ETag"] == '"2"'
    revoked = reviewer.post(
        f"{BASE}items/{item(review, 'lee').pk}/revoked/", {"note": "HR-1"}, format="json"
    )
    assert revoked.json()["revocation"] == "done"


def test_only_the_reviewer_decides_and_viewers_change_nothing(review, acme, vera, oscar):
    other = make_persona(acme, "carla@acme.test", Role.CONTROL_OWNER)
    target = f"{BASE}items/{item(review, 'pat').pk}/decide/"
    assert api(other).post(target, {"decision": "keep"}, format="json").status_code == 403
    assert api(vera).post(target, {"decision": "keep"}, format="json").status_code == 403
    assert api(oscar).get(f"{BASE}{review.pk}/").status_code == 404
    assert api(oscar).post(target, {"decision": "keep"}, format="json").status_code == 404


def test_import_with_if_match(review, isla):
    target = f"{BASE}{review.pk}/import/"
    good = SimpleUploadedFile("p.csv", b"account,email\npat,pat@acme.test\nnew,\n")
    assert api(isla).post(target, {"file": good}, format="multipart").status_code == 428
    good.seek(0)
    response = api(isla).post(target, {"file": good}, format="multipart", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response.json()["import"]["items"]["added"] == 1 and response["ETag"] == '"2"'
    bad = SimpleUploadedFile("p.csv", b"account,enabled\n,yes\npat,perhaps\n")
    response = api(isla).post(target, {"file": bad}, format="multipart", HTTP_IF_MATCH='"2"')
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (2, "account"),
        (3, "enabled"),
    ]


def test_import_a_system_list_then_open_a_review(staff, isla, colin):
    target = f"{BASE}accounts/import/"
    bad = SimpleUploadedFile("crm.csv", b"account,privileged\nroot,maybe\n")
    response = api(isla).post(target, {"system": "CRM", "file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "column": "privileged", "message": "write yes or no"}
    ]
    good = SimpleUploadedFile("crm.csv", b"account,email\npat,pat@acme.test\nroot,\n")
    response = api(isla).post(target, {"system": "CRM", "file": good}, format="multipart")
    assert response.status_code == 200 and response.json()["created"] == 2
    assert response.json()["review"] is None
    assert api(colin).post(target, {"system": "CRM"}, format="multipart").status_code == 403
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    body = {"system": "CRM", "reviewer_mode": "manager", "system_owner": "colin@acme.test",
            "due_date": due}  # fmt: skip
    assert api(isla).post(BASE, body, format="json").json()["progress"]["accounts"] == 2
