"""Server-side failures a user can do nothing about get a page or JSON that says what happened:
a full disk is 507 and leaves nothing half-written; a database error that is a bug stays a
styled 500. The database outage (503) is proved against a real stopped PostgreSQL in
``test_database_outage.py``."""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from annexa.core import errors
from annexa.evidence import storage
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.ledger.models import LedgerEntry

# Larger than the 1 MiB file system below, smaller than FILE_UPLOAD_MAX_MEMORY_SIZE (so the
# upload itself is held in memory and the blob store's write is what runs out of room).
UPLOAD = b"firewall rule review, line after line\n" * 40_000


def django_error(driver_error: Exception, django_class=OperationalError) -> Exception:
    """What Django raises: its own class, ``from`` the driver's exception."""
    try:
        raise django_class(*driver_error.args) from driver_error
    except django_class as exc:
        return exc


def pg(message: str, sqlstate: str | None = None) -> psycopg.Error:
    """psycopg's exception for ``sqlstate`` (none: the connection itself failed)."""
    if sqlstate is None:
        return psycopg.OperationalError(message)
    return psycopg.errors.lookup(sqlstate)(message)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (django_error(pg("connection refused")), 503),
        (django_error(pg("terminating connection", "57P01")), 503),
        (django_error(pg("could not send data", "08006")), 503),
        (django_error(pg("too many clients", "53300")), 503),
        (django_error(pg("could not extend file", "53100")), 507),
        (django_error(pg("deadlock detected", "40P01")), None),
        (django_error(InterfaceError("connection already closed"), InterfaceError), 503),
        (django_error(sqlite3.OperationalError("database is locked")), 503),
        (django_error(sqlite3.OperationalError("database or disk is full")), 507),
        (django_error(sqlite3.OperationalError("no such table: isms_soaentry")), None),
        (OSError(errno.ENOSPC, "No space left on device"), 507),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), 507),
        (OSError(errno.EACCES, "Permission denied"), None),
        (ValueError("a bug"), None),
    ],
)
def test_it_tells_outages_and_full_disks_from_bugs(error, status):
    failure = errors.classify(error)
    assert (failure.status if failure else None) == status


def test_it_finds_a_full_disk_behind_a_wrapping_error():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise storage.StorageError("could not write the blob") from exc
    except storage.StorageError as wrapped:
        failure = errors.classify(wrapped)
    assert failure.status == 507 and "No space left on device" in failure.cause


@pytest.fixture
def full_blob_store(tmp_path, settings, monkeypatch):
    """The evidence store on a 1 MiB tmpfs, so a larger upload hits a real ENOSPC. Without
    the right to mount (not root), the store's write raises ENOSPC instead."""
    root = tmp_path / "small-disk"
    root.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(root)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not mounted:

        def no_space(chunks, fd):
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(storage, "copy_hashing", no_space)
    settings.STORAGE_URL = f"file://{root}"
    yield root
    if mounted:
        subprocess.run(["umount", str(root)], check=True, timeout=30)


def nothing_stored(org, ledger_before: int, blob_root) -> None:
    assert not Evidence.objects.exists() and not EvidenceVersion.objects.exists()
    assert LedgerEntry.objects.filter(organization=org).count() == ledger_before
    leftovers = [p for p in blob_root.rglob("*") if p.is_file()]
    assert leftovers == [], f"half-written blobs left behind: {leftovers}"


def one_log_line(caplog, status: int) -> str:
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None  # the cause in one line, no traceback
    assert lines[0].getMessage().startswith(f"{status} POST ")
    return lines[0].getMessage()


def test_a_full_disk_during_a_web_upload_answers_507_and_keeps_nothing(
    acme, client_for, colin, full_blob_store, caplog
):
    before = LedgerEntry.objects.filter(organization=acme).count()
    upload = {"file": SimpleUploadedFile("firewall-review.txt", UPLOAD), "title": "Firewall"}
    response = client_for(colin).post("/o/acme/evidence/upload/", upload)
    assert response.status_code == 507
    html = response.content.decode()
    assert "<html" in html and "The server&#x27;s storage is full" in html
    assert "nothing of this request was saved" in html
    assert "Retry-After" not in response
    nothing_stored(acme, before, full_blob_store)
    assert "No space left on device" in one_log_line(caplog, 507)


def test_a_full_disk_during_an_api_upload_answers_507_json(
    acme, client_for, colin, full_blob_store, caplog
):
    before = LedgerEntry.objects.filter(organization=acme).count()
    upload = {"file": SimpleUploadedFile("firewall-review.txt", UPLOAD)}
    response = client_for(colin).post("/api/v1/orgs/acme/evidence/", upload)
    assert response.status_code == 507
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The server's storage is full.")
    nothing_stored(acme, before, full_blob_store)
    one_log_line(caplog, 507)


def test_an_htmx_request_gets_the_message_for_the_page_it_came_from(acme, client_for, isla):
    request = RequestFactory().post("/o/acme/soa/A.5.15/edit/")
    request.htmx = True
    response = errors.failure_response(
        request, django_error(sqlite3.OperationalError("database is locked"))
    )
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response["HX-Retarget"] == "#server-error"
    assert response.content.decode().startswith('<p class="errors" role="alert">')
    # base.html holds the target and lets htmx swap these error responses into it
    page = client_for(isla).get("/o/acme/soa/").content.decode()
    assert 'id="server-error"' in page and "annexa/annexa.js" in page
    # … whose script lets htmx swap these error responses into it (no inline script: CSP)
    from django.contrib.staticfiles import finders

    script = Path(finders.find("annexa/annexa.js")).read_text(encoding="utf-8")
    assert "[500, 503, 507]" in script and '"#server-error"' in script


def test_any_other_server_error_gets_the_styled_500_page_or_json():
    factory = RequestFactory()
    try:
        raise OperationalError("no such table: isms_soaentry")
    except OperationalError:
        page = errors.server_error(factory.get("/o/acme/soa/"))
        api = errors.server_error(factory.get("/api/v1/orgs/acme/soa/"))
    assert page.status_code == 500 and "Something went wrong on the server" in page.text
    assert "<style>" in page.text  # styled without the static files or the database
    assert api.status_code == 500 and "error in Annexa" in json.loads(api.content)["detail"]
    assert not getattr(page, "_has_been_logged", False)  # Django logs a bug with its traceback


def test_a_database_outage_outside_a_view_gets_503_too():
    try:
        raise django_error(pg("connection refused"))
    except OperationalError:
        response = errors.server_error(RequestFactory().get("/api/v1/orgs/acme/soa/"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert json.loads(response.content)["detail"].startswith("The database is not answering.")
