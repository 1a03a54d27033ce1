"""Runs whose worker is gone: leases, the sweeper, retries, hand-back, and the job queue.

The worker processes themselves (kill -9, SIGTERM) are in ``test_worker_faults.py``; here the
same services are driven directly, with the clock moved on instead of waited for.
"""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from django.utils import timezone

from annexa.connectors import services
from annexa.connectors.choices import RunStatus, Trigger
from annexa.connectors.models import CollectionRun
from annexa.connectors.services import runs
from annexa.connectors.tests.factories import lynis_file
from annexa.core.tenancy import OrgContext
from annexa.ledger.models import LedgerEntry
from annexa.monitoring import services as monitoring

HOLDER = "gone-host:4242"


def lynis_connector(ctx):
    return services.create(
        ctx, name="Web server", kind="lynis", values={"mode": "import", "report_path": "r.dat"}
    )


def running(ctx, connector, *, seconds_ago: float, attempt: int = 1) -> CollectionRun:
    """A run a worker claimed and last renewed ``seconds_ago``."""
    run = services.request_run(ctx, connector)
    beat = timezone.now() - dt.timedelta(seconds=seconds_ago)
    CollectionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=beat, heartbeat_at=beat, worker=HOLDER, attempt=attempt
    )
    run.refresh_from_db()
    return run


def outcomes(run: CollectionRun) -> list[str]:
    return list(
        LedgerEntry.objects.filter(object_type=runs.RUN_OBJECT_TYPE, object_id=str(run.uid))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.fixture
def lease(settings):
    settings.CONNECTOR_LEASE_SECONDS = 60
    settings.CONNECTOR_RUN_ATTEMPTS = 3
    return 60


class TestSweeper:
    def test_it_interrupts_an_expired_run_and_queues_its_retry(
        self, isla, lease, job_queue, django_capture_on_commit_callbacks
    ):
        run = running(isla.ctx, lynis_connector(isla.ctx), seconds_ago=lease + 5)
        with django_capture_on_commit_callbacks(execute=True):
            (retry,) = services.sweep()
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED and run.finished_at is not None
        assert HOLDER in run.message and "retried as attempt 2 of 3" in run.message
        assert outcomes(run) == ["interrupted"]
        entry = LedgerEntry.objects.get(object_id=str(run.uid)).data_value
        assert entry["retry"] == str(retry.uid) and entry["attempt"] == 1
        assert (retry.status, retry.attempt, retry.retry_of, retry.trigger) == (
            RunStatus.QUEUED,
            2,
            run,
            run.trigger,
        )
        assert job_queue.jobs == [retry.pk]  # the retry's job is on the queue

    def test_it_leaves_a_run_whose_worker_renews_its_lease(self, isla, lease, job_queue):
        run = running(isla.ctx, lynis_connector(isla.ctx), seconds_ago=lease - 10)
        assert services.sweep() == []
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and outcomes(run) == []

    def test_it_stops_retrying_after_the_last_attempt(self, isla, lease, job_queue):
        connector = lynis_connector(isla.ctx)
        run = running(isla.ctx, connector, seconds_ago=lease + 5, attempt=3)
        assert services.sweep() == []
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED
        assert "not retried: 3 of 3 attempts were interrupted" in run.message
        assert not connector.runs.filter(status=RunStatus.QUEUED).exists()
        assert job_queue.jobs == []

    def test_run_now_never_answers_with_a_dead_run(
        self, isla, lease, job_queue, django_capture_on_commit_callbacks
    ):
        connector = lynis_connector(isla.ctx)
        dead = running(isla.ctx, connector, seconds_ago=lease + 5)
        with django_capture_on_commit_callbacks(execute=True):
            run = monitoring.queue_collection(isla.ctx, connector)
        assert run.pk != dead.pk and run.status == RunStatus.QUEUED and run.retry_of == dead
        assert job_queue.jobs == [run.pk]  # queued once, by the sweeper's retry

    def test_a_worker_that_lost_its_lease_records_nothing(self, isla, lease, job_queue):
        connector = lynis_connector(isla.ctx)
        run = services.request_run(isla.ctx, connector)
        assert runs._claim(run)
        later = timezone.now() + dt.timedelta(seconds=lease + 5)
        services.sweep(later)  # the worker looked dead: interrupted, retried
        system = OrgContext.system(isla.ctx.org)
        assert runs._finish(system, run, RunStatus.SUCCEEDED, "done", []) is False
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED and outcomes(run) == ["interrupted"]

    def test_it_requeues_a_queued_run_whose_job_never_reached_the_queue(
        self, isla, lease, job_queue
    ):
        connector = lynis_connector(isla.ctx)
        run = services.request_run(isla.ctx, connector)  # queued, no job (dispatched_at null)
        services.sweep()
        assert job_queue.jobs == []  # younger than the lease: its job may be on its way
        services.sweep(timezone.now() + dt.timedelta(seconds=lease + 1))
        assert job_queue.jobs == [run.pk]
        run.refresh_from_db()
        assert run.dispatched_at is not None

    def test_a_file_import_left_running_is_interrupted_without_retry(self, isla, lease):
        run = CollectionRun.objects.create(
            organization=isla.ctx.org,
            source="import",
            kind="lynis",
            trigger=Trigger.INGEST,
            status=RunStatus.RUNNING,
            started_at=timezone.now() - dt.timedelta(hours=1),
        )
        assert services.sweep() == []
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED and "import the file again" in run.message

    def test_a_run_of_a_removed_connector_is_not_retried(self, isla, lease, job_queue):
        connector = lynis_connector(isla.ctx)
        run = running(isla.ctx, connector, seconds_ago=lease + 5)
        services.delete(isla.ctx, connector)
        assert services.sweep() == []
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED and "connector was removed" in run.message


class TestHandBack:
    def test_a_stopping_worker_hands_back_the_runs_it_holds(
        self, isla, lease, job_queue, django_capture_on_commit_callbacks
    ):
        connector = lynis_connector(isla.ctx)
        run = running(isla.ctx, connector, seconds_ago=0)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.hand_back("another-host:1") == []  # not ours
            (retry,) = services.hand_back(HOLDER)
        run.refresh_from_db()
        assert run.status == RunStatus.INTERRUPTED and "was stopped" in run.message
        assert job_queue.jobs == [retry.pk] and retry.attempt == 2


class TestJobQueue:
    def test_a_refused_job_leaves_no_queued_run(
        self, isla, job_queue, django_capture_on_commit_callbacks
    ):
        connector = lynis_connector(isla.ctx)
        job_queue.refuse = redis.ConnectionError("Connection refused")
        refused = pytest.raises(services.JobQueueUnavailable, match="job queue unavailable")
        with refused, django_capture_on_commit_callbacks(execute=True):
            monitoring.queue_collection(isla.ctx, connector)
        assert not connector.runs.exists()
        job_queue.refuse = None
        with django_capture_on_commit_callbacks(execute=True):
            run = monitoring.queue_collection(isla.ctx, connector)
        assert job_queue.jobs == [run.pk]

    def test_a_pending_run_without_job_is_dispatched_by_run_now(
        self, isla, job_queue, django_capture_on_commit_callbacks, import_dir
    ):
        lynis_file(import_dir)
        connector = lynis_connector(isla.ctx)
        waiting = services.request_run(isla.ctx, connector)  # its job never reached the queue
        with django_capture_on_commit_callbacks(execute=True):
            run = monitoring.queue_collection(isla.ctx, connector)
        assert run == waiting and job_queue.jobs == [waiting.pk]


def test_a_heartbeat_keeps_the_runs_scratch_folder_from_the_clean_up(isla, lease, settings):
    # A run waiting an hour on a slow system writes nothing to its scratch folder; its
    # heartbeats touch the folder, so the hourly clean-up (files untouched for an hour) keeps it.
    import os
    import time as clock

    from annexa.evidence.collector import collect_temporary

    run = running(isla.ctx, lynis_connector(isla.ctx), seconds_ago=5)
    scratch = runs._scratch_root() / "run-in-progress"
    scratch.mkdir()
    (scratch / "partial.json").write_text("{}")
    two_hours_ago = clock.time() - 7200
    for path in (scratch / "partial.json", scratch):
        os.utime(path, (two_hours_ago, two_hours_ago))
    held = runs._Lease(run)
    held.scratch = scratch
    assert held._renew()
    collect_temporary(timezone.now() - dt.timedelta(hours=1))
    assert (scratch / "partial.json").is_file()
    held.scratch = None  # the run ended: the folder ages and goes
    os.utime(scratch, (two_hours_ago, two_hours_ago))
    collect_temporary(timezone.now() - dt.timedelta(hours=1))
    assert not scratch.exists()
