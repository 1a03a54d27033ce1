"""The orphan collector: what it deletes, what it keeps, and the leftovers it cleans."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from huey.api import PeriodicTask

from annexa.evidence import services, tasks, uploads
from annexa.evidence.staging import staging_dir, upload_temp_dir
from annexa.evidence.storage import get_store
from annexa.ledger import services as ledger

NOW = datetime.timedelta(0)


def test_it_keeps_referenced_blobs_and_deletes_old_orphans(acme_ctx):
    version = services.store(acme_ctx, chunks=[b"kept\n"], filename="a.txt")
    store = get_store()
    orphan, _ = store.put_stream([b"orphan"])
    result = services.collect_orphans(grace=NOW)
    assert (result.blobs_deleted, result.orphans_kept) == (1, 0)
    assert store.exists(version.sha256)
    assert not store.exists(orphan)


def test_it_spares_young_orphans(acme_ctx):
    orphan, _ = get_store().put_stream([b"upload still in flight"])
    result = services.collect_orphans()
    assert (result.blobs_deleted, result.orphans_kept) == (0, 1)
    assert get_store().exists(orphan)


def test_it_keeps_blobs_the_ledger_names(acme_ctx):
    store = get_store()
    named, _ = store.put_stream([b"named by a ledger entry only"])
    ledger.append(
        acme_ctx, object_type="report", object_id="r-1", action="issue", data={}, blob_sha256=named
    )
    assert services.collect_orphans(grace=NOW).blobs_deleted == 0
    assert store.exists(named)


def test_it_removes_old_temporary_files(acme_ctx):
    store = get_store()
    store.temp_dir.mkdir(parents=True, exist_ok=True)
    leftovers = [store.temp_dir / "killed.part", staging_dir() / "killed.upload"]
    for path in leftovers:
        path.write_bytes(b"half written")
    young = services.collect_orphans()
    assert young.temporary_deleted == 0
    for path in leftovers:
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert services.collect_orphans().temporary_deleted == 2
    assert not any(path.exists() for path in leftovers)


OLD = (1_000_000_000, 1_000_000_000)  # 2001: far older than any grace period


@pytest.fixture
def home(tmp_path, settings):
    """A private ANNEXA_HOME whose upload folder is the one settings.py puts under it."""
    root = tmp_path / "home"
    settings.HOME = root
    settings.FILE_UPLOAD_TEMP_DIR = str(root / "tmp" / "uploads")
    return root


def leftovers(home: Path) -> dict[str, Path]:
    """What killed processes leave under ANNEXA_HOME/tmp: an upload body the web server was
    receiving, evidence being checked, a connector run's scratch folder with files inside."""
    scratch = home / "tmp" / "connectors" / "tmpk1ll3d"
    (scratch / "clone").mkdir(parents=True)
    (scratch / "clone" / "report.dat").write_bytes(b"half a report")
    found = {
        "upload": upload_temp_dir() / "tmpab12cd.upload.json",
        "staging": staging_dir() / "tmpef34gh.upload",
        "scratch": scratch,
    }
    for name in ("upload", "staging"):
        found[name].write_bytes(b"\0" * 4096)
    return found


def age(path: Path) -> None:
    """Make ``path`` (and, for a folder, everything in it) look written long ago."""
    for entry in [*path.rglob("*"), path] if path.is_dir() else [path]:
        os.utime(entry, OLD, follow_symlinks=False)


def test_it_removes_stale_uploads_staging_files_and_scratch_folders(home):
    found = leftovers(home)
    assert services.collect_orphans(grace=NOW).temporary_deleted == 3
    assert not any(path.exists() for path in found.values())


def test_it_keeps_what_is_younger_than_the_grace_period(home):
    found = leftovers(home)
    assert services.collect_orphans().temporary_deleted == 0
    assert all(path.exists() for path in found.values())
    for path in found.values():
        age(path)
    assert services.collect_orphans().temporary_deleted == 3
    assert not any(path.exists() for path in found.values())


def test_it_keeps_a_scratch_folder_while_anything_in_it_is_being_written(home):
    scratch = leftovers(home)["scratch"]
    age(scratch)
    (scratch / "clone" / "report.dat").write_bytes(b"still writing")  # a run still at work
    assert services.collect_orphans().temporary_deleted == 0
    assert (scratch / "clone" / "report.dat").exists()


def test_it_sweeps_the_upload_folder_wherever_it_is_configured(home, tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "elsewhere")
    body = upload_temp_dir() / "tmp99.upload.pdf"
    body.write_bytes(b"%PDF-")
    age(body)
    assert services.collect_orphans().temporary_deleted == 1
    assert not body.exists()


def test_uploads_stream_to_annexa_home_not_to_the_system_temp_folder(home, client_for, colin):
    # Larger than FILE_UPLOAD_MAX_MEMORY_SIZE: Django streams it to a temporary file, which our
    # handler puts under ANNEXA_HOME/tmp/uploads (creating the folder) and removes afterwards.
    seen = []
    original = uploads.TemporaryFileUploadHandler.new_file

    def spy(handler, *args, **kwargs):
        original(handler, *args, **kwargs)
        seen.append(Path(handler.file.temporary_file_path()))

    body = b"audit log line\n" * 200_000
    with mock.patch.object(uploads.TemporaryFileUploadHandler, "new_file", spy):
        response = client_for(colin).post(
            reverse("evidence-api:list", kwargs={"org": "acme"}),
            {"file": SimpleUploadedFile("audit.log", body)},
        )
    assert response.status_code == 201, response.content
    assert [path.parent for path in seen] == [home / "tmp" / "uploads"]
    assert not seen[0].exists()


def test_the_worker_collects_every_hour(home):
    found = leftovers(home)
    for path in found.values():
        age(path)
    task = tasks.collect_garbage
    assert isinstance(task.task_class(), PeriodicTask)
    due = [
        minute
        for minute in range(60)
        if task.task_class().validate_datetime(datetime.datetime(2026, 3, 1, 4, minute))
    ]
    assert due == [40]
    assert task.call_local() == 3  # what the worker runs at :40, without the queue
    assert not any(path.exists() for path in found.values())
