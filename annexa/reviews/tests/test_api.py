"""The management reviews API: create, edit header and inputs, assemble, decisions, sign-off
(owner only, 409 afterwards), minutes."""

from __future__ import annotations

import hashlib

import pytest

from annexa.reviews import services
from annexa.reviews.tests.conftest import ready_to_sign

BASE = "/api/v1/orgs/acme/reviews/"


@pytest.fixture
def api(client_for):
    def as_persona(persona):
        return client_for(persona)

    return as_persona


def test_it_creates_assembles_and_edits_a_review(api, isla, colin, catalog):
    client = api(isla)
    created = client.post(
        BASE,
        {"title": "Spring review", "planned_date": "2026-06-15", "attendees": [colin.user.email]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"] == "MR-2026-01" and body["attendees"] == ["colin@acme.test"]
    assert len(body["inputs"]) == 10
    pk = body["id"]
    report = client.post(f"{BASE}{pk}/assemble/", {}, content_type="application/json").json()
    assert report["refreshed"][0] == "9.3.2.a" and report["kept"] == []
    patched = client.patch(
        f"{BASE}{pk}/",
        {"conclusion": "Still effective.", "inputs": {"9.3.2.f": {"summary": "No risk above."}}},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.json()
    rows = {i["requirement"]: i for i in patched.json()["inputs"]}
    assert rows["9.3.2.f"]["summary"] == "No risk above." and rows["9.3.2.f"]["summary_edited"]
    bad = client.patch(
        f"{BASE}{pk}/", {"inputs": {"9.9": {"notes": "x"}}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "9.9" in str(bad.json())


def test_it_records_decisions_and_tracks_them(api, isla, colin, review):
    client = api(isla)
    response = client.post(
        f"{BASE}{review.pk}/decisions/",
        {
            "kind": "improvement",
            "text": "Automate it.",
            "owner": colin.user.email,
            "due_date": "2026-09-30",
            "track": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["action"] == "CA-0001"
    missing = client.post(
        f"{BASE}{review.pk}/decisions/",
        {"kind": "improvement", "text": "x", "owner": colin.user.email},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "due_date" in missing.json()
    listed = client.get(f"{BASE}{review.pk}/decisions/").json()["results"]
    assert [d["reference"] for d in listed] == ["MR-2026-01 decision 1"]


def test_only_the_owner_signs_off_and_changes_then_conflict(api, isla, alice, review):
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    review = ready_to_sign(isla.ctx, review, [alice.user])
    assert api(isla).post(f"{BASE}{review.pk}/sign-off/").status_code == 403
    signed = api(alice).post(f"{BASE}{review.pk}/sign-off/")
    assert signed.status_code == 200 and signed.json()["status"] == "signed_off"
    digests = signed.json()["minutes"]
    pdf = api(alice).get(f"{BASE}{review.pk}/minutes/pdf/")
    assert hashlib.sha256(pdf.content).hexdigest() == digests["pdf"]
    docx = api(alice).get(f"{BASE}{review.pk}/minutes/docx/")
    assert hashlib.sha256(docx.content).hexdigest() == digests["docx"]
    conflict = api(alice).patch(
        f"{BASE}{review.pk}/", {"title": "Changed"}, content_type="application/json"
    )
    assert conflict.status_code == 409 and "no longer changes" in conflict.json()["detail"]
    assert api(alice).post(f"{BASE}{review.pk}/assemble/").status_code == 409
    assert api(alice).post(f"{BASE}{review.pk}/sign-off/").status_code == 409


def test_viewers_read_but_do_not_change(api, vera, review):
    client = api(vera)
    assert client.get(BASE).json()["results"][0]["reference"] == "MR-2026-01"
    assert client.post(f"{BASE}{review.pk}/assemble/").status_code == 403
    assert client.get(f"{BASE}{review.pk}/minutes/pdf/").content.startswith(b"%PDF")
