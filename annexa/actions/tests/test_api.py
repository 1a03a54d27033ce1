"""The corrective-actions API: create, edit, root cause, steps, review, close, exports."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from annexa.actions import services

BASE = "/api/v1/orgs/acme/actions/"
JSON = "application/json"


def test_it_creates_and_edits_an_action(client_for, colin, open_nc):
    client = client_for(colin)
    created = client.post(
        BASE,
        {
            "finding": open_nc.pk,
            "plan": "Enforce MFA.",
            "owner": colin.user.email,
            "due_date": "2030-01-31",
            "five_whys": [{"why": "Why?", "because": "Exempt."}],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["reference"], data["finding"], data["status"]) == ("CA-0001", "F-0001", "open")
    assert data["five_whys"] == [{"why": "Why?", "because": "Exempt."}]
    assert data["revisions"][0]["number"] == 1
    changed = client.patch(
        f"{BASE}{data['id']}/", {"plan": "Better.", "reason": "Wider."}, content_type=JSON
    )
    assert changed.status_code == 200 and changed.json()["plan_revision"] == 2
    refused = client.patch(f"{BASE}{data['id']}/", {"finding": None}, content_type=JSON)
    assert refused.status_code == 400


def test_it_lists_overdue_actions(client_for, vera, action, isla):
    services.update_action(
        isla.ctx, action, {"due_date": timezone.localdate() - dt.timedelta(days=4)}
    )
    body = client_for(vera).get(BASE, {"overdue": "true"}).json()
    assert body["count"] == 1
    assert body["results"][0]["overdue"] is True and body["results"][0]["days_overdue"] == 4
    assert client_for(vera).get(BASE, {"status": "done"}).status_code == 400


def test_it_walks_the_steps_with_an_independent_review(client_for, colin, audrey, isla, action):
    owner = client_for(colin)
    assert owner.post(f"{BASE}{action.pk}/start/").json()["status"] == "in_progress"
    whys = {"root_cause": "Exempt accounts.", "five_whys": [{"why": "Why?", "because": "B"}]}
    assert owner.post(f"{BASE}{action.pk}/root-cause/", whys, content_type=JSON).status_code == 200
    assert owner.post(f"{BASE}{action.pk}/implement/", {"note": "Done"}).json()["status"] == (
        "implemented"
    )
    automated = client_for(audrey).get(f"{BASE}{action.pk}/automated/").json()
    assert automated["has_test"] is False and automated["control"] == "A.8.5"
    review = {"method": "document_review", "conclusion": "effective", "notes": "Checked."}
    owner = client_for(colin)  # one test client: logging in as someone else replaces colin
    assert owner.post(f"{BASE}{action.pk}/review/", review).status_code == 403
    premature = client_for(isla).post(f"{BASE}{action.pk}/close/", {})
    assert premature.status_code == 400 and "effectiveness review" in str(premature.json())
    reviewed = client_for(audrey).post(f"{BASE}{action.pk}/review/", review)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "verified_effective"
    closed = client_for(isla).post(f"{BASE}{action.pk}/close/", {"note": "ok"})
    assert closed.status_code == 200 and closed.json()["closed_by"] == isla.user.email
    history = client_for(isla).get(f"{BASE}{action.pk}/history/").json()["results"]
    assert [h["action"] for h in history] == [
        "create",
        "start",
        "root cause",
        "implement",
        "review",
        "close",
    ]


def test_it_keeps_viewers_read_only_and_exports(client_for, vera, action):
    client = client_for(vera)
    assert client.post(f"{BASE}{action.pk}/start/").status_code == 403
    assert client.get(f"{BASE}{action.pk}/").json()["owner"] == action.owner.email
    poam = client.get(BASE + "poam/")
    assert poam.status_code == 200 and "plan-of-action-and-milestones" in poam.json()
    assert client.get(BASE + "xlsx/").content.startswith(b"PK")


def test_it_explains_an_empty_export(client_for, vera, acme):
    response = client_for(vera).get(BASE + "poam/")
    assert response.status_code == 400 and "no corrective action" in response.json()["detail"]


def test_it_describes_the_findings_and_actions_apis_without_a_warning(db):
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    patterns = [
        path("api/v1/orgs/<slug:org>/findings/", include("annexa.findings.api.urls")),
        path("api/v1/orgs/<slug:org>/actions/", include("annexa.actions.api.urls")),
    ]
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    validate_schema(schema)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not problems, problems
    assert "/api/v1/orgs/{org}/actions/{id}/review/" in schema["paths"]
    assert "/api/v1/orgs/{org}/findings/from-item/" in schema["paths"]
