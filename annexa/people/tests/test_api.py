"""The people API: list with the page's filters, retrieve with its version as ETag, create,
PATCH with If-Match, trainings, the import (all or nothing), the checks and populations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annexa.evidence.models import Evidence
from annexa.people.models import Person
from annexa.people.services import people
from annexa.people.tests.test_io import hr_file
from annexa.risks.tests.test_suppliers_api import api_client

BASE = "/api/v1/orgs/acme/people/"
# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def api(client, isla):
    return api_client(client, isla)


@pytest.fixture
def ada(isla):
    return people.create_person(
        isla.ctx,
        {
            "name": "Ada Byron",
            "email": "ada@acme.test",
            "employee_id": "E1",
            "department": "Engineering",
            "start_date": dt.date(2026, 1, 5),
        },
    )


def test_list_filters_and_retrieve_with_etag(api, ada):
    page = api.get(BASE, {"department": "engineering"}).json()
    assert [p["name"] for p in page["results"]] == ["Ada Byron"]
    assert api.get(BASE, {"department": "Sales"}).json()["results"] == []
    assert api.get(BASE, {"status": "bogus"}).status_code == 400
    one = api.get(f"{BASE}{ada.pk}/")
    assert one["ETag"] == '"1"' and one.json()["start_date"] == "2026-01-05"


def test_create_with_a_manager_and_field_errors(api, ada):
    response = api.post(
        BASE,
        {"name": "Bob", "email": "bob@acme.test", "manager": "E1", "start_date": "2026-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["manager"] == "ada@acme.test"
    response = api.post(
        BASE,
        {
            "name": "Dup",
            "email": "ADA@acme.test",
            "start_date": "2026-02-01",
            "end_date": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "end_date"}
    response = api.post(BASE, {"name": "X", "manager": "nobody"}, content_type="application/json")
    assert response.status_code == 400 and "manager" in response.json()


def test_patch_needs_if_match_and_refuses_a_stale_one(api, ada):
    url = f"{BASE}{ada.pk}/"
    body = {"job_title": "Engineer"}
    assert api.patch(url, body, content_type="application/json").status_code == 428
    response = api.patch(url, body, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    stale = api.patch(
        url, {"job_title": "Lead"}, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412 and stale.json()["current_version"] == 2


def test_trainings(api, ada):
    url = f"{BASE}{ada.pk}/trainings/"
    response = api.post(
        url, {"course": "Awareness", "completed_on": "2026-01-10"}, content_type="application/json"
    )
    assert response.status_code == 201
    again = api.post(
        url, {"course": "Awareness", "completed_on": "2026-01-10"}, content_type="application/json"
    )
    assert again.status_code == 400
    listed = api.get(url).json()
    assert listed["count"] == 1 and listed["next"] is None and listed["previous"] is None
    assert [t["course"] for t in listed["results"]] == ["Awareness"]


def test_import_all_or_nothing(api):
    bad = hr_file(3) + b"E9,,x@kestrel.test,,,,,,,,,,\r\n"
    response = api.post(f"{BASE}import/", {"file": SimpleUploadedFile("hr.csv", bad)})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 5, "column": "name", "message": "The name is required."}
    ]
    assert not Person.objects.exists()
    response = api.post(f"{BASE}import/", {"file": SimpleUploadedFile("hr.csv", hr_file(3))})
    assert response.status_code == 200
    assert response.json()["created"] == 3 and response.json()["ignored_columns"] == ["salary"]


def test_checks_and_population(api, isla, catalog):
    people.create_person(
        isla.ctx,
        {"name": "Nia", "employee_id": "N1", "start_date": _today() - dt.timedelta(days=10)},
    )
    data = api.get(f"{BASE}checks/").json()
    assert [j["person"] for j in data["joiners"]] == ["Nia (N1)"]
    assert data["joiners"][0]["gaps"] == ["screening", "terms"]
    assert api.get(f"{BASE}checks/", {"all": "maybe"}).status_code == 400
    response = api.post(
        f"{BASE}checks/population/", {"kind": "joiners"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Evidence.objects.get().uid.hex.replace("-", "") in response.json()[
        "evidence_uid"
    ].replace("-", "")
    empty = api.post(
        f"{BASE}checks/population/", {"kind": "leavers"}, content_type="application/json"
    )
    assert empty.status_code == 400


def test_viewers_read_but_do_not_write(client, vera, ada):
    viewer = api_client(client, vera)
    assert viewer.get(BASE).status_code == 200
    assert viewer.post(BASE, {"name": "X"}, content_type="application/json").status_code == 403
