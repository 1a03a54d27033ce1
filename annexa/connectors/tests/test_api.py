"""Connectors API: configure (secrets write-only), run, runs, plugin types, file import."""

from __future__ import annotations

from annexa.connectors import services
from annexa.connectors.models import Connector
from annexa.connectors.tests.samples import LYNIS, sample

BASE = "/api/v1/orgs/acme/connectors/"


def test_it_creates_and_lists_connectors_without_secrets(isla, client_for):
    client = client_for(isla)
    created = client.post(
        BASE,
        {
            "name": "Prowler",
            "kind": "ocsf",
            "config": {"url": "https://a.example/f.json"},
            "secrets": {"token": "canary-api"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secrets_set"] == ["token"] and "secrets" not in body
    listed = client.get(BASE).json()["results"]
    assert [c["name"] for c in listed] == ["Prowler"]
    assert "canary-api" not in str(listed)


def test_it_answers_configuration_errors_by_field(isla, client_for):
    response = client_for(isla).post(
        BASE,
        {"name": "x", "kind": "lynis", "config": {"mode": "import"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "report_path" in response.json()["config"]


def test_it_updates_and_deletes_a_connector(isla, client_for):
    connector = services.create(
        isla.ctx, name="p", kind="ocsf", values={"url": "https://a.example/f.json"}
    )
    client = client_for(isla)
    patched = client.patch(
        f"{BASE}{connector.pk}/", {"enabled": False}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    refused = client.patch(
        f"{BASE}{connector.pk}/", {"kind": "lynis"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert client.delete(f"{BASE}{connector.pk}/").status_code == 204
    assert not Connector.objects.exists()


def test_it_forbids_configuration_to_control_owners(colin, client_for):
    response = client_for(colin).post(
        BASE,
        {"name": "p", "kind": "ocsf", "config": {"url": "https://a.example/f.json"}},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_it_queues_a_run_and_lists_runs(isla, client_for, django_capture_on_commit_callbacks):
    connector = services.create(
        isla.ctx, name="p", kind="lynis", values={"mode": "import", "report_path": "missing.dat"}
    )
    client = client_for(isla)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"{BASE}{connector.pk}/run/")
    assert queued.status_code == 202
    runs = client.get(f"{BASE}{connector.pk}/runs/").json()["results"]
    assert runs[0]["status"] == "failed" and "does not exist" in runs[0]["message"]
    run = client.get(f"{BASE}runs/{runs[0]['id']}/").json()
    assert run["connector"] == "p"


def test_it_describes_the_plugins(vera, client_for):
    plugins = {p["name"]: p for p in client_for(vera).get(f"{BASE}types/").json()}
    token = next(f for f in plugins["ocsf"]["fields"] if f["name"] == "token")
    assert token["secret"] is True


def test_it_imports_a_file(colin, client_for):
    client = client_for(colin)
    with open(sample(LYNIS), "rb") as handle:
        first = client.post(f"{BASE}ingest/", {"file": handle})
    assert first.status_code == 201
    body = first.json()
    assert body["kind"] == "lynis" and body["evidence"]["new"] is True
    assert body["controls"]["A.8.15"]["fail"] >= 1
    with open(sample(LYNIS), "rb") as handle:
        again = client.post(f"{BASE}ingest/", {"file": handle})
    assert again.status_code == 200 and again.json()["test_run"]["new"] is False


def test_it_rejects_an_invalid_import(colin, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(colin).post(
        f"{BASE}ingest/",
        {"file": SimpleUploadedFile("x.xml", b"<html></html>"), "kind": "openscap"},
    )
    assert response.status_code == 400 and response.json()["code"] == "rejected"
