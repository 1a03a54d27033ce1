"""The documents API: list with filters, retrieve with ETag, create, PATCH with If-Match
(428 without, 412 when stale), versions as JSON, the workflow, campaigns and confirmations."""

import datetime as dt

import pytest

from annexa.documents.models import Document
from annexa.documents.services import campaigns
from annexa.orgs.models import APIKey

BASE = "/api/v1/orgs/acme/documents/"


def api_client(client, persona):
    _key, plaintext = APIKey.issue(user=persona.user, organization=persona.ctx.org, name="t")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


@pytest.fixture
def api(client, isla):
    return api_client(client, isla)


def test_list_and_retrieve(api, approved, policy):
    listed = api.get(BASE, {"status": "approved"}).json()
    assert [d["reference"] for d in listed["results"]] == ["DOC-001"]
    assert api.get(BASE, {"status": "nonsense"}).status_code == 400
    one = api.get(f"{BASE}{policy.pk}/")
    policy.refresh_from_db()
    assert one["ETag"] == f'"{policy.version}"'
    body = one.json()
    assert body["approved"]["label"] == "1.0" and "<h1>" in body["approved"]["html"]
    assert body["controls"] == ["A.5.1"] and body["clauses"] == ["5.2"]


def test_patch_needs_if_match(api, policy):
    url = f"{BASE}{policy.pk}/"
    assert api.patch(url, {"title": "New"}, content_type="application/json").status_code == 428
    etag = api.get(url)["ETag"]
    ok = api.patch(url, {"title": "New"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["title"] == "New"
    stale = api.patch(url, {"title": "Newer"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == Document.objects.get().version


def test_create_and_the_workflow(client, db, catalog, isla, alice):
    api = api_client(client, isla)
    created = api.post(
        BASE,
        {
            "title": "Logging standard",
            "kind": "standard",
            "controls": ["A.8.15"],
            "markdown": "# Logging\n\nKeep logs 90 days.",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    bad = api.post(
        BASE,
        {"title": "X", "kind": "policy", "controls": ["A.1.1"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "A.1.1" in bad.json()["controls"][0]
    versions = api.get(f"{BASE}{pk}/versions/").json()
    version_pk = versions["results"][0]["id"]
    assert api.post(f"{BASE}versions/{version_pk}/submit/").status_code == 200
    refused = api.post(f"{BASE}versions/{version_pk}/approve/")
    assert refused.status_code == 400
    assert "someone other than its author" in str(refused.json())
    other = api_client(client, alice)
    approved = other.post(f"{BASE}versions/{version_pk}/approve/")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["sha256"]
    nxt = other.post(
        f"{BASE}{pk}/versions/",
        {"markdown": "# Logging\n\n180 days."},
        content_type="application/json",
    )
    assert nxt.status_code == 201 and nxt.json()["label"] == "1.1"


def test_campaigns_and_confirmations(client, approved, policy, isla, audrey, staff):
    api = api_client(client, isla)
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    launched = api.post(
        f"{BASE}campaigns/",
        {
            "document": "DOC-001",
            "scope": "department",
            "department": "Engineering",
            "due_date": due,
        },
        content_type="application/json",
    )
    assert launched.status_code == 201, launched.json()
    body = launched.json()
    assert body["asked"] == 2 and len(body["acknowledgements"]) == 2
    mine = next(a for a in body["acknowledgements"] if a["person"] == "Audrey Auditor")
    auditor = api_client(client, audrey)
    confirmed = auditor.post(
        f"{BASE}acknowledgements/{mine['id']}/confirm/", content_type="application/json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["method"] == "self"
    campaign = policy.campaigns.get()
    assert campaigns.completion(campaign).done == 1


def test_viewers_read_but_do_not_write(client, approved, policy, vera):
    api = api_client(client, vera)
    assert api.get(BASE).status_code == 200
    assert (
        api.post(
            BASE, {"title": "X", "kind": "policy"}, content_type="application/json"
        ).status_code
        == 403
    )
