"""The people pages: list and filters, a person, the forms with their errors, the import page,
the checks page with its population action, the settings; roles."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annexa.evidence.models import Evidence
from annexa.people.choices import AccountSource
from annexa.people.models import PeopleSettings, Person
from annexa.people.services import people
from annexa.people.services.accounts import AccountRecord, sync_system
from annexa.people.tests.test_io import hr_file

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


def url(name, org="acme", **kwargs):
    return reverse(f"people:{name}", kwargs={"org": org, **kwargs})


@pytest.fixture
def staff(isla):
    boss = people.create_person(
        isla.ctx,
        {
            "name": "Bea Boss",
            "email": "bea@acme.test",
            "department": "Engineering",
            "start_date": _today() - dt.timedelta(days=900),
            "screened_on": _today() - dt.timedelta(days=950),
            "terms_signed_on": _today() - dt.timedelta(days=950),
        },
    )
    new = people.create_person(
        isla.ctx,
        {
            "name": "Nico New",
            "email": "nico@acme.test",
            "department": "Sales",
            "manager": boss,
            "start_date": _today() - dt.timedelta(days=40),
        },
    )
    gone = people.create_person(
        isla.ctx,
        {
            "name": "Gil Gone",
            "email": "gil@acme.test",
            "department": "Sales",
            "start_date": _today() - dt.timedelta(days=900),
            "end_date": _today() - dt.timedelta(days=10),
        },
    )
    sync_system(
        isla.ctx,
        "AWS production",
        [AccountRecord("gil@acme.test", privileged=True)],
        source=AccountSource.IMPORT,
    )
    return {"boss": boss, "new": new, "gone": gone}


def test_the_list_filters_by_department_status_and_gaps(client_for, vera, staff):
    client = client_for(vera)
    page = client.get(url("list"))
    assert page.status_code == 200
    assert b"Bea Boss" in page.content and b"Nico New" in page.content
    page = client.get(url("list"), {"department": "Sales", "status": "current"})
    assert b"Nico New" in page.content and b"Gil Gone" not in page.content
    page = client.get(url("list"), {"gaps": "leavers"}, HTTP_HX_REQUEST="true")
    assert b"Gil Gone" in page.content and b"Nico New" not in page.content
    assert b"<html" not in page.content  # the rows only
    page = client.get(url("list"), {"gaps": "screening"})
    assert b"nico@acme.test" in page.content and b"bea@acme.test" not in page.content
    page = client.get(url("list"), {"status": "nonsense"})
    assert b"Nico New" not in page.content and b"Select a valid choice" in page.content


def test_a_person_shows_employment_trainings_accounts_and_history(client_for, vera, staff, isla):
    people.record_training(
        isla.ctx, staff["gone"], "Security awareness", _today() - dt.timedelta(days=300)
    )
    page = client_for(vera).get(url("detail", pk=staff["gone"].pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert "AWS production" in text and "enabled after leaving" in text
    assert "Security awareness" in text
    assert "Policy acknowledgements" in text
    assert "create" in text  # the history
    assert "Record training" not in text  # a viewer changes nothing


def test_create_shows_the_errors_beside_the_fields(client_for, isla, staff):
    client = client_for(isla)
    response = client.post(
        url("create"),
        {
            "name": "Dup",
            "email": "BEA@acme.test",
            "start_date": "2026-03-01",
            "end_date": "2026-02-01",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "already Bea Boss's" in form.errors["email"][0]
    assert "before the start date" in form.errors["end_date"][0]
    response = client.post(
        url("create"), {"name": "Ola New", "email": "ola@acme.test", "manager": staff["boss"].pk}
    )
    ola = Person.objects.get(email="ola@acme.test")
    assert response.status_code == 302 and ola.manager == staff["boss"]


def test_edit_refuses_a_stale_version(client_for, isla, staff):
    client = client_for(isla)
    person = staff["new"]
    people.update_person(isla.ctx, person, {"job_title": "Analyst"})
    response = client.post(url("edit", pk=person.pk), {"name": "Nico Neu", "version": 1})
    assert response.status_code == 409
    response = client.post(
        url("edit", pk=person.pk),
        {
            "name": "Nico Neu",
            "email": "nico@acme.test",
            "version": 2,
            "manager": staff["boss"].pk,
            "start_date": person.start_date.isoformat(),
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "Nico Neu" and person.version == 3


def test_trainings_are_added_and_removed_on_the_page(client_for, isla, staff):
    client = client_for(isla)
    person = staff["new"]
    client.post(
        url("add-training", pk=person.pk),
        {"course": "Security awareness", "completed_on": _today().isoformat()},
    )
    training = person.trainings.get()
    client.post(url("remove-training", pk=training.pk))
    assert not person.trainings.exists()


def test_the_import_page_lists_every_bad_row_and_stores_nothing(client_for, isla):
    client = client_for(isla)
    assert client.get(url("import")).status_code == 200
    bad = hr_file(3) + b"E9,,x@kestrel.test,,,,2024-99-01,,,,,,\r\n"
    upload = SimpleUploadedFile("hr.csv", bad, content_type="text/csv")
    response = client.post(url("import"), {"file": upload})
    assert response.status_code == 422
    text = response.content.decode()
    assert (
        "nothing was imported" in text and "YYYY-MM-DD" in text and "The name is required" in text
    )
    assert not Person.objects.exists()
    upload = SimpleUploadedFile("hr.csv", hr_file(3), content_type="text/csv")
    response = client.post(url("import"), {"file": upload})
    assert response.status_code == 302 and Person.objects.count() == 3


def test_export_downloads(client_for, vera, staff):
    response = client_for(vera).get(url("export-csv"), {"department": "Sales"})
    assert response.status_code == 200
    assert b"Nico New" in response.content and b"Bea Boss" not in response.content
    assert client_for(vera).get(url("export-xlsx")).content.startswith(b"PK")


def test_checks_page_and_saving_a_population(client_for, isla, staff, catalog):
    client = client_for(isla)
    page = client.get(url("checks"))
    text = page.content.decode()
    assert "Nico New" in text and "Gil Gone" in text and "AWS production: gil@acme.test" in text
    response = client.post(url("population-joiners"))
    evidence = Evidence.objects.get()
    assert response.status_code == 302 and evidence.title.startswith("Joiners population")
    assert "A.6.1" in {c.id for c in evidence.controls.all()}


def test_settings_form(client_for, isla, vera):
    client = client_for(isla)
    assert client.get(url("settings")).status_code == 200
    response = client.post(
        url("settings"),
        {
            "screening_days": "-5",
            "terms_days": "0",
            "training_days": "400",
            "joiner_window_days": "90",
            "training_course": "",
        },
    )
    assert response.status_code == 422 and b"from 0 to 365" in response.content
    response = client.post(
        url("settings"),
        {
            "screening_days": "-5",
            "terms_days": "0",
            "training_days": "45",
            "joiner_window_days": "90",
            "training_course": "Security awareness",
            "version": "1",
        },
    )
    assert response.status_code == 302
    assert PeopleSettings.objects.get().training_days == 45


def test_viewers_cannot_change_and_outsiders_see_nothing(client_for, vera, oscar, staff):
    client = client_for(vera)
    assert client.get(url("create")).status_code == 403
    assert client.get(url("import")).status_code == 403
    assert client.post(url("create"), {"name": "X"}).status_code == 403
    assert client.post(url("population-joiners")).status_code == 403
    assert client.post(url("settings"), {}).status_code == 403
    outsider = client_for(oscar)
    assert outsider.get(url("list")).status_code == 404
    assert outsider.get(url("detail", pk=staff["new"].pk)).status_code == 404
