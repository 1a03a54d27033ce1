"""The checklist API: listing, ETag and If-Match (412/428), uploads, shaping, exports."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from annexa.audits.models import ChecklistItem
from annexa.audits.services import fieldwork
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import store_text

BASE = "/api/v1/orgs/acme/audits"


def item_url(item, suffix: str = "") -> str:
    return f"{BASE}/checklist/items/{item.pk}/{suffix}"


def patch(client, url: str, data: dict, etag: str | None):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.patch(url, json.dumps(data), content_type="application/json", **headers)


def test_it_lists_the_checklist_with_progress(items, fieldwork_audit, client_for, vera):
    response = client_for(vera).get(f"{BASE}/{fieldwork_audit.pk}/checklist/", {"clause": "A"})
    assert response.status_code == 200
    body = response.json()
    assert body["audit"] == "IA-2026-01"
    assert body["progress"] == {
        "assessed": 0,
        "total": 3,
        "percent": 0,
        "by_result": body["progress"]["by_result"],
    }
    assert [i["subject"] for i in body["items"]] == ["A.5.15", "A.8.5"]
    assert body["items"][0]["automated_results"] == []


def test_the_list_counts_evidence_on_file_and_the_item_lists_it(
    items, fieldwork_audit, client_for, audrey
):
    import datetime as dt

    from annexa.evidence.services import store

    old = dict(effective_date=dt.date(2020, 1, 1), valid_days=30, title="Old review")
    store(audrey.ctx, chunks=[b"old"], filename="old.txt", controls=["A.5.15"], **old)
    store_text(audrey.ctx, "new", filename="new.txt", controls=["A.5.15"])
    client = client_for(audrey)
    listed = client.get(f"{BASE}/{fieldwork_audit.pk}/checklist/", {"clause": "A"}).json()
    row = {i["subject"]: i for i in listed["items"]}["A.5.15"]
    # The list grows with items, not with the evidence locker: counts only.
    assert (row["evidence_on_file_count"], row["evidence_on_file_stale"]) == (2, 1)
    assert "evidence_on_file" not in row
    one = client.get(item_url(items["A.5.15"])).json()
    assert (one["evidence_on_file_count"], one["evidence_on_file_stale"]) == (2, 1)
    on_file = sorted((f["filename"], f["freshness"]) for f in one["evidence_on_file"])
    assert on_file == [("new.txt", "no_expiry"), ("old.txt", "stale")]


def test_it_returns_the_version_as_etag_and_saves_with_if_match(items, client_for, audrey):
    client = client_for(audrey)
    item = items["A.8.5"]
    response = client.get(item_url(item))
    assert response["ETag"] == '"1"'
    change = {"result": "conforming", "methods": ["interview"], "auditees": ["colin@acme.test"]}
    response = patch(client, item_url(item), change, response["ETag"])
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert response.json()["auditees"] == ["colin@acme.test"]


def test_it_answers_a_stale_if_match_with_412(items, client_for, audrey, isla):
    item = items["A.8.5"]
    fieldwork.save_fieldwork(isla.ctx, item, {"notes": "Isla first"}, expected_version=1)
    response = patch(client_for(audrey), item_url(item), {"notes": "Audrey second"}, '"1"')
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert "reload to see their changes" in response.json()["detail"]
    assert ChecklistItem.objects.get(pk=item.pk).notes == "Isla first"


def test_it_requires_if_match_for_fieldwork(items, client_for, audrey):
    response = patch(client_for(audrey), item_url(items["A.8.5"]), {"notes": "x"}, None)
    assert response.status_code == 428
    response = patch(client_for(audrey), item_url(items["A.8.5"]), {"notes": "x"}, "latest")
    assert response.status_code == 400


def test_it_reports_rule_errors_by_field(items, client_for, audrey):
    response = patch(client_for(audrey), item_url(items["A.8.5"]), {"result": "major_nc"}, '"1"')
    assert response.status_code == 400
    assert {"examined", "verification", "evidence", "methods"} <= set(response.json())


def test_it_links_evidence_by_uid(items, client_for, audrey):
    version = store_text(audrey.ctx, "policy")
    change = {"evidence": [str(version.uid)]}
    response = patch(client_for(audrey), item_url(items["A.5.15"]), change, '"1"')
    assert response.status_code == 200
    assert response.json()["evidence"] == [str(version.uid)]
    second = store_text(audrey.ctx, "procedure")
    both = sorted([str(version.uid), str(second.uid)])
    patch(client_for(audrey), item_url(items["A.5.15"]), {"evidence": both}, '"2"')
    listed = client_for(audrey).get(f"{BASE}/{items['A.5.15'].audit_id}/checklist/").json()
    # the list reads the uids as text: the same hyphenated, sorted form as the item's
    assert next(i for i in listed["items"] if i["subject"] == "A.5.15")["evidence"] == both
    response = patch(
        client_for(audrey),
        item_url(items["A.5.15"]),
        {"evidence": ["00000000-0000-0000-0000-000000000000"]},
        '"3"',
    )
    assert response.status_code == 400


def test_it_uploads_evidence_on_the_spot(items, client_for, audrey):
    upload = SimpleUploadedFile("scan.txt", b"scan result\n", "text/plain")
    response = client_for(audrey).post(
        item_url(items["A.8.5"], "evidence/"),
        {"file": upload, "title": "Scan"},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["evidence"]) == 1
    assert response["ETag"] == '"2"'


def test_it_adds_removes_restores_and_moves_items(items, fieldwork_audit, client_for, audrey):
    client = client_for(audrey)
    response = client.post(
        f"{BASE}/{fieldwork_audit.pk}/checklist/items/",
        {"subject": "7.2", "question": "Who signs off training?", "expected_documents": ["Log"]},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["adhoc"]
    item = items["7.2"]
    response = client.post(item_url(item, "remove/"), {"reason": "Elsewhere"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["removed"]
    assert client.post(item_url(item, "restore/")).json()["removed"] is False
    moved = client.post(item_url(items["A.8.5"], "move/"), {"direction": "up"})
    assert moved.json() == {"moved": True}


def test_it_generates_idempotently(fieldwork_audit, client_for, audrey):
    client = client_for(audrey)
    first = client.post(f"{BASE}/{fieldwork_audit.pk}/checklist/generate/")
    assert first.status_code == 201 and first.json()["added"] == ["7.2", "A.5.15", "A.8.5"]
    again = client.post(f"{BASE}/{fieldwork_audit.pk}/checklist/generate/")
    assert again.status_code == 200 and again.json()["added"] == []


def test_it_exports_every_format(items, fieldwork_audit, client_for, vera):
    client = client_for(vera)
    for fmt, start in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbfitem_id"), ("pdf", b"%PDF")):
        response = client.get(f"{BASE}/{fieldwork_audit.pk}/checklist/export.{fmt}")
        assert response.status_code == 200
        assert response.content.startswith(start), fmt
    data = client.get(f"{BASE}/{fieldwork_audit.pk}/checklist/export.json").json()
    assert [i["subject"] for i in data["items"]] == ["7.2", "A.5.15", "A.8.5"]


def test_it_refuses_fieldwork_to_a_viewer(items, client_for, vera):
    response = patch(client_for(vera), item_url(items["A.8.5"]), {"notes": "x"}, '"1"')
    assert response.status_code == 403


def test_it_describes_the_fieldwork_routes_in_the_schema_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/orgs/{org}/audits/checklist/items/{id}/" in schema["paths"]
    assert "/api/v1/orgs/{org}/audits/samples/size/" in schema["paths"]
    mine = ("audits/api/", "audits.api.checklist", "audits.api.sampling", "audits.api.requests")
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not [p for p in problems if any(m in str(p) for m in mine)], problems
