"""The audits API: programmes (plan, coverage, gaps, approve), audits, team, owners."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from annexa.audits.models import Audit, AuditProgramme
from annexa.isms import services as isms_services

BASE = "/api/v1/orgs/acme/audits/"


@pytest.fixture
def api():
    def login(persona) -> APIClient:
        client = APIClient()
        client.force_authenticate(persona.user)
        return client

    return login


@pytest.fixture
def soa(acme, catalog, isla, colin):
    isms_services.ensure_soa(acme)
    for control_id in ("A.8.5", "A.5.15"):
        isms_services.update_soa_entry(
            isla.ctx,
            control_id,
            {"applicable": True, "justification": "Needed.", "control_owner": colin.user},
        )
    return acme


def create_programme(client) -> dict:
    response = client.post(
        f"{BASE}programmes/",
        {"start_date": "2026-01-05", "plan": True, "milestone_dates": {"stage_1": "2026-04-01"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_creates_plans_and_approves_a_programme(soa, api, isla):
    client = api(isla)
    data = create_programme(client)
    assert data["milestones"]["stage_1"] == "2026-04-01"
    assert len(data["audits"]) == 5
    coverage = client.get(f"{BASE}programmes/{data['id']}/coverage/").json()
    assert coverage["summary"]["gaps"] == 0
    assert coverage["summary"]["controls"] == 2
    approved = client.post(f"{BASE}programmes/{data['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["approved_by"] == "isla@acme.test"


def test_it_refuses_approval_listing_gaps_then_accepts_reasons(soa, api, isla):
    client = api(isla)
    data = create_programme(client)
    first = data["audits"][0]["id"]
    assert client.delete(f"{BASE}{first}/").status_code == 204
    refused = client.post(f"{BASE}programmes/{data['id']}/approve/")
    assert refused.status_code == 400
    assert "no recorded reason" in refused.json()["gaps"][0]
    coverage = client.get(f"{BASE}programmes/{data['id']}/coverage/").json()
    for item in (i for i in coverage["items"] if i["gap"]):
        answer = client.post(
            f"{BASE}programmes/{data['id']}/gaps/",
            {"item": item["id"], "reason": "Left to the stage 2 audit."},
            format="json",
        )
        assert answer.status_code == 200
    assert client.post(f"{BASE}programmes/{data['id']}/approve/").status_code == 200


def test_it_refuses_the_owner_as_auditor_then_accepts_a_justification(soa, api, isla, colin):
    client = api(isla)
    data = create_programme(client)
    audit = Audit.objects.filter(scope_controls__control_id="A.8.5").first()
    refused = client.post(
        f"{BASE}{audit.pk}/team/", {"user": "colin@acme.test", "role": "lead"}, format="json"
    )
    assert refused.status_code == 400
    assert "A.8.5" in refused.json()["user"][0]
    allowed = client.post(
        f"{BASE}{audit.pk}/team/",
        {"user": "colin@acme.test", "role": "lead", "justification": "Peer reviewed."},
        format="json",
    )
    body = allowed.json()
    assert allowed.status_code == 200
    assert body["team"] == [{"user": "colin@acme.test", "role": "lead"}]
    assert body["overrides"][0]["justification"] == "Peer reviewed."
    assert data["id"]


def test_it_creates_edits_and_moves_an_audit(soa, api, isla, audrey, vera):
    client = api(isla)
    programme = AuditProgramme.objects.get(pk=create_programme(client)["id"])
    created = client.post(
        f"{BASE}",
        {
            "programme": str(programme.uid),
            "title": "Access follow-up",
            "kind": "follow_up",
            "planned_start": "2026-06-01",
            "planned_end": "2026-06-02",
            "controls": ["A.5.15"],
            "auditees": ["colin@acme.test"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    audit = created.json()
    assert audit["reference"].startswith("IA-2026-") and audit["controls"] == ["A.5.15"]
    patched = client.patch(
        f"{BASE}{audit['id']}/", {"requirements": ["9.2.2.a"], "limitations": "None."}, "json"
    )
    assert patched.json()["requirements"] == ["9.2.2.a"] and patched.json()["controls"] == [
        "A.5.15"
    ]
    wider = client.patch(
        f"{BASE}{audit['id']}/", {"controls": ["A.8.2", "A.5.15", "A.5.1"]}, format="json"
    ).json()
    listed = next(a for a in client.get(BASE).json()["results"] if a["id"] == audit["id"])
    # the list reads the scope as values; the same ids, in catalog order, as the detail
    assert listed["controls"] == wider["controls"] == ["A.5.1", "A.5.15", "A.8.2"]
    assert listed["requirements"] == wider["requirements"] == ["9.2.2.a"]
    client.patch(f"{BASE}{audit['id']}/", {"controls": ["A.5.15"]}, format="json")
    moved = api(audrey).post(f"{BASE}{audit['id']}/transition/", {"to": "preparing"}, "json")
    assert moved.status_code == 200 and moved.json()["status"] == "preparing"
    blocked = api(audrey).post(f"{BASE}{audit['id']}/transition/", {"to": "fieldwork"}, "json")
    assert blocked.status_code == 400 and "lead auditor" in str(blocked.json())
    assert (
        api(vera).post(f"{BASE}{audit['id']}/transition/", {"to": "fieldwork"}).status_code == 403
    )
    reopened = client.post(
        f"{BASE}{audit['id']}/reopen/", {"to": "planned", "reason": "Dates moved."}, "json"
    )
    assert reopened.json()["status"] == "planned"


def test_it_copies_an_audit_into_a_named_programme(soa, api, isla):
    client = api(isla)
    data = create_programme(client)
    following = client.post(f"{BASE}programmes/", {"start_date": "2029-01-05"}, format="json")
    uid = following.json()["uid"]
    copied = client.post(f"{BASE}{data['audits'][0]['id']}/copy/", {"programme": uid}, "json")
    assert copied.status_code == 201
    assert copied.json()["programme"] == uid and copied.json()["origin"] == "copy"


def test_it_manages_requirement_owners(soa, api, isla, colin, vera):
    client = api(isla)
    created = client.post(
        f"{BASE}requirement-owners/", {"requirement": "7.2", "user": "colin@acme.test"}, "json"
    )
    assert created.status_code == 201, created.json()
    listed = client.get(f"{BASE}requirement-owners/").json()["results"]
    assert listed[0]["requirement"] == "7.2" and listed[0]["user"] == "colin@acme.test"
    refused = api(vera).post(
        f"{BASE}requirement-owners/", {"requirement": "7.3", "user": "colin@acme.test"}, "json"
    )
    assert refused.status_code == 403
    assert client.delete(f"{BASE}requirement-owners/{created.json()['id']}/").status_code == 204


def test_it_validates_dates(soa, api, isla):
    bad = api(isla).post(f"{BASE}programmes/", {"start_date": "2026-13-01"}, format="json")
    assert bad.status_code == 400 and "start_date" in bad.json()
    assert dt.date(2026, 1, 5)
