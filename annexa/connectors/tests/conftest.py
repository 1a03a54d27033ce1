"""Connector tests: a private ANNEXA_HOME (imports, scratch, keyring) and blob store per test."""

from __future__ import annotations

import pytest

from annexa.connectors import netguard, secrets


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    """A fresh ANNEXA_HOME with a secrets keyring, and a fresh blob store."""
    root = tmp_path / "home"
    root.mkdir()
    settings.HOME = root
    settings.STORAGE_URL = f"file://{tmp_path / 'blobs'}"
    secrets.ensure_keyring()
    return root


@pytest.fixture
def server_allowed(settings):
    """The administrator allowed connectors to act on this server (ANNEXA_OUTBOUND_ALLOW)."""
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


@pytest.fixture
def import_dir(home, acme):
    """Acme's import directory (where path-based connectors read files)."""
    path = home / "imports" / acme.slug
    path.mkdir(parents=True)
    return path


class RecordingQueue:
    """Stands in for the job queue: keeps the run ids it was given, or refuses them."""

    def __init__(self) -> None:
        self.jobs: list[int] = []
        self.refuse: Exception | None = None

    def __call__(self, run_pk: int) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.jobs.append(run_pk)


@pytest.fixture
def job_queue(monkeypatch):
    """Run jobs are recorded instead of executed (the test suite's queue runs them inline)."""
    from annexa.connectors.services import runs

    queue = RecordingQueue()
    monkeypatch.setattr(runs, "_DISPATCHER", [queue])
    return queue
