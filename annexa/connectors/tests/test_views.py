"""Connector pages: list, add (secret fields write-only), settings, run now, runs, import."""

from __future__ import annotations

import shutil

from django.core.files.uploadedfile import SimpleUploadedFile

from annexa.connectors import services
from annexa.connectors.choices import RunStatus
from annexa.connectors.models import CollectionRun, Connector
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, sample

CANARY = "canary-view-secret"


def test_it_lists_connectors_and_plugins(isla, client_for):
    services.create(
        isla.ctx, name="Lynis web1", kind="lynis", values={"mode": "import", "report_path": "x.dat"}
    )
    page = client_for(isla).get("/o/acme/connectors/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lynis web1" in text and "Prowler / OCSF" in text and "Add a connector" in text


def test_it_hides_management_from_viewers(vera, client_for):
    text = client_for(vera).get("/o/acme/connectors/").content.decode()
    assert "Add a connector" not in text and "Import a file" not in text


def test_it_offers_a_choice_of_plugins(isla, client_for):
    page = client_for(isla).get("/o/acme/connectors/new/")
    assert page.status_code == 200 and "?kind=openscap" in page.content.decode()


def test_it_configures_a_connector_from_the_form(isla, client_for):
    client = client_for(isla)
    form = client.get("/o/acme/connectors/new/?kind=ocsf")
    assert 'type="password"' in form.content.decode()
    response = client.post(
        "/o/acme/connectors/new/?kind=ocsf",
        {
            "name": "Prowler",
            "enabled": "on",
            "interval_minutes": 60,
            "valid_days": 7,
            "cfg_url": "https://findings.example.com/f.json",
            "secret_token": CANARY,
        },
    )
    connector = Connector.objects.get(name="Prowler")
    assert response.status_code == 302 and response.url.endswith(f"/{connector.pk}/")
    assert services.open_secrets(connector) == {"token": CANARY}
    detail = client.get(response.url).content.decode()
    assert CANARY not in detail and "Leave empty to keep" in detail


def test_it_shows_configuration_errors_on_the_form(isla, client_for):
    response = client_for(isla).post(
        "/o/acme/connectors/new/?kind=ocsf",
        {
            "name": "Prowler",
            "interval_minutes": 60,
            "valid_days": 7,
            "cfg_url": "http://169.254.169.254/latest/",
        },
    )
    assert response.status_code == 200
    assert "metadata" in response.content.decode()
    assert not Connector.objects.exists()


def test_it_saves_settings_keeping_an_empty_secret(isla, client_for):
    connector = services.create(
        isla.ctx,
        name="Prowler",
        kind="ocsf",
        values={"url": "https://a.example/f.json"},
        secrets={"token": CANARY},
    )
    response = client_for(isla).post(
        f"/o/acme/connectors/{connector.pk}/",
        {
            "name": "Prowler AWS",
            "enabled": "on",
            "interval_minutes": 120,
            "valid_days": 3,
            "cfg_url": "https://b.example/f.json",
            "secret_token": "",
        },
    )
    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.name == "Prowler AWS" and connector.config["url"] == "https://b.example/f.json"
    assert services.open_secrets(connector) == {"token": CANARY}


def test_it_runs_a_connector_now(isla, client_for, import_dir, django_capture_on_commit_callbacks):
    shutil.copy(sample(LYNIS), import_dir / "report.dat")
    connector = services.create(
        isla.ctx, name="web1", kind="lynis", values={"mode": "import", "report_path": "report.dat"}
    )
    client = client_for(isla)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/acme/connectors/{connector.pk}/run/")
    run = CollectionRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/runs/{run.pk}/")
    assert run.status == RunStatus.SUCCEEDED, run.message  # the job queue runs inline in tests
    page = client.get(response.url).content.decode()
    assert "lynis tests of lynis:vm" in page and "A.8.15" in page


def test_it_removes_a_connector(isla, client_for):
    connector = services.create(
        isla.ctx, name="web1", kind="lynis", values={"mode": "import", "report_path": "r.dat"}
    )
    response = client_for(isla).post(f"/o/acme/connectors/{connector.pk}/delete/")
    assert response.status_code == 302 and not Connector.objects.exists()


def test_it_imports_an_uploaded_file(colin, client_for):
    client = client_for(colin)
    upload = SimpleUploadedFile("results.xml", sample(OPENSCAP).read_bytes())
    response = client.post("/o/acme/connectors/import/", {"file": upload, "valid_days": 30})
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(response.url).content.decode()
    assert "openscap tests of openscap:vm/DEBIAN-11/standard" in page


def test_it_shows_why_an_import_was_refused(colin, client_for):
    upload = SimpleUploadedFile("notes.txt", b"hello\n")
    response = client_for(colin).post(
        "/o/acme/connectors/import/", {"file": upload, "valid_days": 30}
    )
    assert response.status_code == 200
    assert "cannot tell what this file is" in response.content.decode()
