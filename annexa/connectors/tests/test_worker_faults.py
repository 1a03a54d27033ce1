"""A real ``annexa worker`` killed or stopped in the middle of a connector run.

The connector is Lynis in "run" mode with a stand-in ``lynis`` on PATH that blocks until the
test opens a gate file, so the run is caught while it is running. The lease is 2 s and the
grace period of a stopped worker 1 s (``ANNEXA_CONNECTOR_LEASE_SECONDS``,
``ANNEXA_WORKER_GRACE_SECONDS``), so each test takes seconds, not minutes.

- kill -9: the run stays ``running`` until its lease expires; the next worker's sweep marks it
  ``interrupted`` (in the ledger), queues attempt 2, and that attempt succeeds;
- SIGTERM: a job that does not finish in the grace period is handed back at once (never left
  ``running``) and retried by the next worker; one that finishes in time just succeeds.

Afterwards ``annexa verify`` finds the ledger intact. The queue is SQLite in ANNEXA_HOME, and
Redis (a queue name of its own) when it answers. The workers use the test's database: on
SQLite a file copy of it, on PostgreSQL the test database itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from annexa.connectors import services
from annexa.connectors.tests.samples import LYNIS, sample
from annexa.core.tenancy import OrgContext
from annexa.ledger.tests.test_concurrency import _database
from annexa.monitoring.tests.test_workers_redis import REDIS_URL, _annexa

LEASE = 2
DEADLINE = 25  # seconds: a guard against a hung worker, not a speed requirement

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


class Rig:
    """The database, queue and stand-in lynis one test's workers share."""

    def __init__(self, tmp_path: Path, home: Path, settings, backend: str) -> None:
        self.tmp = tmp_path
        self.gate = tmp_path / "gate"
        self.started = tmp_path / "lynis-started"
        tools = tmp_path / "bin"
        tools.mkdir()
        lynis = tools / "lynis"
        # The report file is the last argument; wait (at most 30 s) for the gate, then write it.
        lynis.write_text(
            "#!/bin/sh\n"
            'for a; do report="$a"; done\n'
            f"touch '{self.started}'\n"
            "i=0\n"
            f"while [ ! -e '{self.gate}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n"
            f"cp '{sample(LYNIS)}' \"$report\"\n"
        )
        lynis.chmod(0o755)
        self.env = {
            **os.environ,
            "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "ANNEXA_HOME": str(home),
            "ANNEXA_STORAGE_URL": settings.STORAGE_URL,
            "ANNEXA_JOBS_IMMEDIATE": "false",
            "ANNEXA_JOBS_QUEUE": f"annexa-test-{uuid.uuid4().hex[:12]}",
            "ANNEXA_CONNECTOR_LEASE_SECONDS": str(LEASE),
            "ANNEXA_WORKER_GRACE_SECONDS": "1",
            "ANNEXA_LOG_LEVEL": "INFO",
            "ANNEXA_OUTBOUND_ALLOW": "127.0.0.1/32",  # lynis "run" mode audits this host
        }
        self.env.pop("ANNEXA_REDIS_URL", None)
        if backend == "redis":
            self.env["ANNEXA_REDIS_URL"] = REDIS_URL
        self.workers: list[tuple[subprocess.Popen, Path]] = []
        self.reader = None
        self.queue = None

    def open_database(self) -> None:
        """Copy (SQLite) or share (PostgreSQL) the test database with the workers."""
        url, self.reader = _database(self.tmp)
        self.env["ANNEXA_DATABASE_URL"] = url

    def start_worker(self) -> subprocess.Popen:
        log = self.tmp / f"worker-{len(self.workers)}.log"
        with log.open("wb") as out:
            child = subprocess.Popen(
                [*_annexa(), "worker", "--workers", "1"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.workers.append((child, log))
        return child

    def queue_job(self, run_pk: int) -> None:
        """Put the collect job of a run on the workers' queue, as "Run now" does."""
        from huey import RedisHuey

        from annexa.core.jobs import AnnexaSqliteHuey
        from annexa.monitoring import tasks

        name = self.env["ANNEXA_JOBS_QUEUE"]
        if "ANNEXA_REDIS_URL" in self.env:
            self.queue = RedisHuey(name, url=self.env["ANNEXA_REDIS_URL"])
        else:
            self.queue = AnnexaSqliteHuey(name, filename=f"{self.env['ANNEXA_HOME']}/jobs.sqlite3")
        self.queue._registry.register(tasks.collect.task_class)
        self.queue.enqueue(tasks.collect.s(run_pk))

    def rows(self, sql: str) -> list[tuple]:
        cursor = self.reader.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())

    def run_row(self, where: str) -> tuple | None:
        found = self.rows(
            "SELECT id, status, attempt, worker, heartbeat_at, message, retry_of_id, uid "
            f"FROM connectors_collectionrun WHERE {where} ORDER BY id"
        )
        return found[-1] if found else None

    def wait_for(self, what: str, check) -> object:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.2)
        pytest.fail(f"{what} did not happen within {DEADLINE} s:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _c, log in self.workers)

    def ledger_actions(self, uid: str) -> list[str]:
        uid = str(uid).replace("-", "")
        return [
            action
            for action, object_id in self.rows(
                "SELECT action, object_id FROM ledger_ledgerentry "
                "WHERE object_type = 'collection_run' ORDER BY seq"
            )
            if object_id.replace("-", "") == uid
        ]

    def verify(self) -> None:
        done = subprocess.run(
            [*_annexa(), "verify", "--format", "json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def close(self) -> None:
        self.gate.touch()  # lets an orphaned stand-in lynis end
        for child, _log in self.workers:
            if child.poll() is None:
                child.kill()
                child.wait()
        if self.queue is not None:
            self.queue.storage.flush_all()
        if connection.vendor == "sqlite" and self.reader is not None:
            self.reader.close()


@pytest.fixture(params=["sqlite", "redis"])
def rig(request, tmp_path, home, settings):
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            pytest.skip(f"Redis does not answer at {REDIS_URL}: {exc}")
    made = Rig(tmp_path, home, settings, request.param)
    yield made
    made.close()


def queued_run(acme) -> int:
    """A disabled Lynis connector (no scheduled runs) with one queued run; returns its id."""
    ctx = OrgContext.system(acme)
    connector = services.create(
        ctx, name="web1", kind="lynis", values={"mode": "run"}, enabled=False
    )
    return services.request_run(ctx, connector).pk


def start_blocked_run(rig: Rig, acme) -> tuple[int, subprocess.Popen]:
    """Worker A takes the run and blocks in lynis; returns the run id and the worker."""
    pk = queued_run(acme)
    rig.open_database()
    worker = rig.start_worker()
    rig.queue_job(pk)
    rig.wait_for("lynis starting", rig.started.exists)
    first = rig.run_row(f"id = {pk}")
    assert first[1] == "running" and first[3].endswith(f":{worker.pid}")
    # While lynis blocks, the heartbeat thread renews the lease.
    rig.wait_for("a heartbeat", lambda: rig.run_row(f"id = {pk}")[4] != first[4])
    return pk, worker


def finish_with_new_worker(rig: Rig, pk: int) -> tuple:
    """Open the gate, start worker B; it retries the run; returns the retry's row."""
    rig.gate.touch()
    worker = rig.start_worker()
    retry = rig.wait_for(
        "the retry succeeding",
        lambda: rig.run_row(f"retry_of_id = {pk} AND status = 'succeeded'"),
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=DEADLINE) == 0, rig.logs()
    return retry


def test_a_killed_worker_s_run_is_interrupted_and_retried(rig, acme, catalog):
    pk, worker = start_blocked_run(rig, acme)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=DEADLINE)
    assert rig.run_row(f"id = {pk}")[1] == "running"  # nobody is left to say otherwise
    time.sleep(LEASE + 0.5)  # let the lease run out
    retry = finish_with_new_worker(rig, pk)
    run = rig.run_row(f"id = {pk}")
    assert run[1] == "interrupted" and f":{worker.pid} stopped renewing its lease" in run[5]
    assert "retried as attempt 2 of 3" in run[5] and retry[2] == 2
    assert rig.ledger_actions(run[7]) == ["interrupted"]
    assert rig.ledger_actions(retry[7]) == ["succeeded"]
    assert rig.rows("SELECT COUNT(*) FROM connectors_collectionrun WHERE status = 'running'") == [
        (0,)
    ]
    rig.verify()


def test_sigterm_hands_back_a_run_that_does_not_finish_in_the_grace_period(rig, acme, catalog):
    pk, worker = start_blocked_run(rig, acme)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=DEADLINE) == 0, rig.logs()
    run = rig.run_row(f"id = {pk}")
    assert run[1] == "interrupted" and "was stopped before the run finished" in run[5]
    assert rig.ledger_actions(run[7]) == ["interrupted"]
    retry = finish_with_new_worker(rig, pk)
    assert retry[2] == 2 and rig.ledger_actions(retry[7]) == ["succeeded"]
    rig.verify()


def test_sigterm_lets_a_job_finish_within_the_grace_period(rig, acme, catalog):
    rig.env["ANNEXA_WORKER_GRACE_SECONDS"] = "20"
    pk, worker = start_blocked_run(rig, acme)
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the worker is now stopping, its job still running
    rig.gate.touch()
    assert worker.wait(timeout=DEADLINE) == 0, rig.logs()
    run = rig.run_row(f"id = {pk}")
    assert run[1] == "succeeded" and rig.ledger_actions(run[7]) == ["succeeded"]
    assert rig.run_row(f"retry_of_id = {pk}") is None
    rig.verify()
