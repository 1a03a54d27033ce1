"""Two real ``annexa worker`` processes on Redis share 200 collection jobs; none runs twice.

Each job is a separate queued ``CollectionRun`` of a Lynis import connector, and each is put
on the queue twice, so both workers hold duplicates of the same job. The workers log every
claim (``connectors.services.runs._claim``, one conditional UPDATE); afterwards every run
must have been claimed exactly once, finished once (one ledger entry, one collected item),
and both workers must have done part of the work.

The queue has a name of its own per test (``ANNEXA_JOBS_QUEUE``), so parallel runs on one
Redis server never see each other's jobs. The workers use the test's database: on SQLite a
file copy of it, on PostgreSQL the test database itself. Skipped when Redis does not answer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from huey import RedisHuey

from annexa.connectors import services as connectors
from annexa.connectors.choices import RunStatus, Trigger
from annexa.connectors.models import CollectionRun
from annexa.connectors.tests.samples import LYNIS, sample
from annexa.core.tenancy import OrgContext
from annexa.ledger.tests.test_concurrency import _database
from annexa.monitoring import services, tasks

REDIS_URL = os.environ.get("ANNEXA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
JOBS = 200
WORKERS = 2
DEADLINE_SECONDS = 900  # a guard against a hung worker, not a speed requirement
CLAIMED = re.compile(r"collection run (\d+) claimed by (\S+)")
LEFT = re.compile(r"collection run (\d+) is \w+ already")


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {exc}")


def _annexa() -> list[str]:
    script = Path(sys.executable).with_name("annexa")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from annexa.cli.main import run; run()"]


def _start_workers(env: dict[str, str], logs: Path) -> list[tuple[subprocess.Popen, Path]]:
    workers = []
    for n in range(WORKERS):
        log = logs / f"worker-{n}.log"
        with log.open("wb") as out:
            child = subprocess.Popen(
                [*_annexa(), "worker", "--workers", "2"],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        workers.append((child, log))
    return workers


def _stop(workers) -> None:
    """Graceful stop (SIGINT lets running jobs finish), then kill what does not end."""
    for child, _log in workers:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child, _log in workers:
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _finished(reader, pks: list[int]) -> int:
    cursor = reader.cursor()
    cursor.execute(
        "SELECT COUNT(*) FROM connectors_collectionrun WHERE status IN ('succeeded', 'failed') "
        f"AND id BETWEEN {min(pks)} AND {max(pks)}"
    )
    return cursor.fetchone()[0]


def _wait(reader, queue: RedisHuey, pks: list[int], workers) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while _finished(reader, pks) < len(pks) or queue.pending_count():
        for child, log in workers:
            if child.poll() is not None:
                pytest.fail(f"a worker stopped ({child.returncode}):\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"jobs still pending after {DEADLINE_SECONDS}s")
        time.sleep(0.5)


def _turned_away(workers) -> int:
    return sum(len(LEFT.findall(log.read_text())) for _child, log in workers)


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_200_jobs_and_run_none_twice(acme, catalog, home, tmp_path, settings):
    _redis_or_skip()
    ctx = OrgContext.system(acme)
    folder = home / "imports" / "acme"
    folder.mkdir(parents=True)
    shutil.copy(sample(LYNIS), folder / "report.dat")
    connector = connectors.create(
        ctx,
        name="web1",
        kind="lynis",
        values={"mode": "import", "report_path": "report.dat"},
        enabled=False,  # no scheduled runs beside the 200 queued here
    )
    services.collect_now(ctx, connector)  # the evidence is in the locker before the jobs
    runs = CollectionRun.objects.bulk_create(
        CollectionRun(
            organization=acme,
            connector=connector,
            source=connector.name,
            kind=connector.kind,
            trigger=Trigger.MANUAL,
        )
        for _ in range(JOBS)
    )
    pks = sorted(CollectionRun.objects.filter(status=RunStatus.QUEUED).values_list("pk", flat=True))
    assert len(pks) == JOBS
    url, reader = _database(tmp_path)
    name = f"annexa-test-{uuid.uuid4().hex[:12]}"
    queue = RedisHuey(name, url=REDIS_URL)
    queue._registry.register(tasks.collect.task_class)  # enqueue the real task by its name
    env = {
        "ANNEXA_DATABASE_URL": url,
        "ANNEXA_HOME": str(home),
        "ANNEXA_STORAGE_URL": settings.STORAGE_URL,
        "ANNEXA_REDIS_URL": REDIS_URL,
        "ANNEXA_JOBS_QUEUE": name,
        "ANNEXA_JOBS_IMMEDIATE": "false",
        "ANNEXA_LOG_LEVEL": "INFO",
    }
    workers = _start_workers(env, tmp_path)
    try:
        for pk in pks + pks[::-1]:  # every job twice: both workers get copies of each
            queue.enqueue(tasks.collect.s(pk))
        _wait(reader, queue, pks, workers)
        # The queue empties when the last copy is taken, not when it is turned away: wait for
        # the workers to say so before stopping them.
        deadline = time.monotonic() + DEADLINE_SECONDS
        while _turned_away(workers) < JOBS and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        _stop(workers)
        queue.storage.flush_all()
    logs = [log.read_text() for _child, log in workers]

    claims = Counter(int(pk) for text in logs for pk, _who in CLAIMED.findall(text))
    assert set(claims) == set(pks) and set(claims.values()) == {1}, "a job ran twice"
    by_worker = [len(CLAIMED.findall(text)) for text in logs]
    assert all(by_worker) and sum(by_worker) == JOBS, by_worker
    assert sum(len(LEFT.findall(text)) for text in logs) == JOBS  # every duplicate turned away
    cursor = reader.cursor()
    cursor.execute(
        f"SELECT status, COUNT(*) FROM connectors_collectionrun WHERE id BETWEEN {pks[0]} "
        f"AND {pks[-1]} GROUP BY status"
    )
    assert dict(cursor.fetchall()) == {"succeeded": JOBS}
    cursor.execute(
        "SELECT COUNT(*), COUNT(DISTINCT run_id) FROM connectors_collecteditem "
        f"WHERE run_id BETWEEN {pks[0]} AND {pks[-1]}"
    )
    assert cursor.fetchone() == (JOBS, JOBS)  # one stored item per run: each executed once
    uids = [str(r.uid) for r in runs]
    cursor.execute(
        "SELECT object_id, COUNT(*) FROM ledger_ledgerentry WHERE object_type = "
        "'collection_run' GROUP BY object_id"
    )
    finishes = dict(cursor.fetchall())
    assert [finishes.get(uid) for uid in uids] == [1] * JOBS
    if connection.vendor == "sqlite":
        reader.close()
