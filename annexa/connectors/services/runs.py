"""Collection runs and file imports: fetch, validate, store as evidence, idempotently.

Storing is idempotent per stream (one system seen by one connector, e.g. ``lynis:web1``): when
the content is byte-for-byte the stream's latest content, the run records that version
(``created=False``) instead of adding evidence. A changed content becomes a new version
of the stream's evidence item, so its history reads as one item over time.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import Error as DbError
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from annexa.connectors import kinds, netguard, schema
from annexa.connectors import secrets as sealing
from annexa.connectors.base import CollectError, Environment
from annexa.connectors.choices import RunStatus, Trigger
from annexa.connectors.formats import FormatError
from annexa.connectors.models import CollectedItem, CollectionRun, Connector
from annexa.connectors.services.config import RUN, ConnectorError, import_dir, instantiate
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.evidence.choices import Source
from annexa.evidence.errors import EvidenceError
from annexa.evidence.models import EvidenceVersion
from annexa.evidence.storage import hash_file
from annexa.ledger import services as ledger

logger = logging.getLogger(__name__)

RUN_OBJECT_TYPE = "collection_run"
INGEST_VALID_DAYS = 30
IMPORT_SOURCE = "import"
Progress = Callable[[str], None]
# Failures a connector run reports as its result; anything else is a bug and is logged.
EXPECTED_ERRORS = (
    CollectError,
    FormatError,
    EvidenceError,
    ConnectorError,
    schema.ConfigInvalid,
    sealing.SecretError,
    netguard.OutboundRefused,
)


class ImportRejected(Exception):
    """A file given for import is not valid; nothing was stored."""


@dataclass(frozen=True)
class _Origin:
    """Who stores: the run (None while a file import is checked), the connector (None for
    imports), provenance and validity."""

    run: CollectionRun | None
    connector: Connector | None
    source: str
    source_detail: str
    valid_days: int


def _scratch_root() -> Path:
    path = Path(settings.HOME) / "tmp" / "connectors"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class _Stored:
    """A checked file kept as evidence, not yet recorded as an item of a run."""

    version: EvidenceVersion
    created: bool
    kind: str
    stream: str
    records: int


def store_file(
    ctx: OrgContext, origin: _Origin, path: Path, filename: str, kind: str
) -> CollectedItem:
    """Validate ``path`` as ``kind`` and keep it as evidence of ``origin.run`` (idempotent)."""
    assert origin.run is not None
    return _record_item(ctx, origin.run, _store(ctx, origin, path, filename, kind))


def _store(ctx: OrgContext, origin: _Origin, path: Path, filename: str, kind: str) -> _Stored:
    """Inspect, hash and keep ``path`` as evidence. The slow part (reading the file) runs in
    no transaction; ``evidence.services`` writes the blob before its own short transaction.

    A kind that hashes the bytes while inspecting them (OCSF) also keeps a copy of them, which
    the evidence store takes over: the file is then read and hashed once in all."""
    try:
        inspection = kinds.get(kind).inspect_keeping(path, filename)
    except (FormatError, OSError) as exc:
        raise FormatError(f"{filename}: {exc}") from None
    try:
        sha256 = inspection.sha256 or hash_file(path)[0]
        stream = f"{kind}:{inspection.target}"[:300]
        # Only the stream's latest content counts as "already held": content that returns
        # after a change (A, B, then A again) is a new observation and must become the latest.
        latest = _stream_items(ctx, origin.connector, stream).select_related("version").last()
        if latest is not None and latest.version.sha256 == sha256:
            version, created = latest.version, False
        else:
            version, created = _keep(ctx, origin, path, inspection, latest), True
    finally:
        if inspection.copy is not None:
            inspection.copy.path.unlink(missing_ok=True)
    return _Stored(version, created, kind, stream, inspection.records)


def _record_item(ctx: OrgContext, run: CollectionRun, stored: _Stored) -> CollectedItem:
    return CollectedItem.objects.create(
        organization=ctx.org,
        run=run,
        version=stored.version,
        kind=stored.kind,
        stream=stored.stream,
        created=stored.created,
        records=stored.records,
    )


def _stream_items(ctx: OrgContext, connector: Connector | None, stream: str):
    items = CollectedItem.objects.for_org(ctx.org).filter(stream=stream)
    if connector is None:
        return items.filter(run__connector__isnull=True, run__trigger=Trigger.INGEST)
    return items.filter(run__connector=connector)


def _keep(
    ctx: OrgContext,
    origin: _Origin,
    path: Path,
    inspection: kinds.Inspection,
    previous: CollectedItem | None,
) -> EvidenceVersion:
    content = {"prepared": inspection.copy} if inspection.copy else {"path": path}
    common = {
        **content,
        "filename": inspection.stored_name,
        "source": origin.source,
        "source_detail": origin.source_detail,
        "valid_days": origin.valid_days,
    }
    if previous is not None:
        return evidence.new_version(ctx, previous.version.evidence, **common)
    return evidence.store(
        ctx,
        title=inspection.title,
        description=f"Collected by Annexa ({origin.source_detail}).",
        **common,
    )


# --- leases: which worker executes a run, and whether it is still alive ----------------------


def lease_seconds() -> int:
    """How long a run stays held without a heartbeat (``ANNEXA_CONNECTOR_LEASE_SECONDS``)."""
    return int(settings.CONNECTOR_LEASE_SECONDS)


def max_attempts() -> int:
    """How often an interrupted run is tried in all (``ANNEXA_CONNECTOR_RUN_ATTEMPTS``)."""
    return int(settings.CONNECTOR_RUN_ATTEMPTS)


def _worker() -> str:
    """Who executes jobs here (host and process): the holder of a run's lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


class _Lease:
    """A worker's hold on a running run, renewed by heartbeats (``heartbeat_at``).

    The connector's own calls to the sink renew it; a small thread renews it too while the
    connector waits on something (a slow API, a tool). The thread writes through its own
    database connection, so it runs only when the run's row is committed, i.e. when no
    caller's transaction surrounds the run. A renewal that finds the run no longer held (the
    sweeper interrupted it) ends the heartbeats; the outcome is then discarded by ``_finish``.
    """

    def __init__(self, run: CollectionRun) -> None:
        self.run = run
        self.interval = max(lease_seconds() / 3, 0.2)
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False
        # The run's scratch folder: each heartbeat touches it, so the clean-up job (which
        # removes folders under ANNEXA_HOME/tmp untouched for an hour) never takes it from a
        # run that is only waiting on a slow system.
        self.scratch: Path | None = None

    def __enter__(self) -> _Lease:
        if not transaction.get_connection().in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"heartbeat-run-{self.run.pk}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)

    def renew_if_due(self) -> None:
        """Renew from the executing thread, at most once an interval."""
        if not self.lost and time.monotonic() - self._last >= self.interval:
            self._renew()

    def _renew(self) -> bool:
        self._last = time.monotonic()
        if self.scratch is not None:
            with contextlib.suppress(OSError):
                os.utime(self.scratch)
        renewed = CollectionRun.objects.filter(
            pk=self.run.pk, status=RunStatus.RUNNING, worker=self.run.worker
        ).update(heartbeat_at=timezone.now())
        if not renewed and not self.lost:
            self.lost = True
            logger.warning("collection run %s is no longer held by %s", self.run.pk, _worker())
        return bool(renewed)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self._renew():
                        return
                except DbError:  # e.g. the database went away: reconnect on the next beat
                    logger.warning("heartbeat of collection run %s failed", self.run.pk)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connection only


class _Sink:
    """The ``EvidenceSink`` a connector writes to during one run."""

    def __init__(
        self,
        ctx: OrgContext,
        origin: _Origin,
        produces: tuple[str, ...],
        progress: Progress | None,
        lease: _Lease,
    ) -> None:
        self.ctx = ctx
        self.origin = origin
        self.produces = produces
        self.report = progress or (lambda message: None)
        self.lease = lease
        self.items: list[CollectedItem] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        if kind not in self.produces:
            raise CollectError(f"this connector may not store evidence of kind {kind!r}")
        name = filename or path.name
        self.progress(f"checking {name}")
        self.items.append(store_file(self.ctx, self.origin, path, name, kind))
        self.lease.renew_if_due()

    def progress(self, message: str) -> None:
        self.lease.renew_if_due()
        self.report(message)


# --- the job queue ---------------------------------------------------------------------------


class JobQueueUnavailable(Exception):
    """The job queue did not take a run's job (Redis down, …); the run was not queued."""


_DISPATCHER: list[Callable[[int], object]] = []


def register_dispatcher(enqueue: Callable[[int], object]) -> None:
    """``enqueue(run_pk)`` puts the job that executes a queued run on the job queue.

    Registered once, from the monitoring app's ``AppConfig.ready``: its job collects and then
    judges what was collected, and connectors sit below monitoring.
    """
    _DISPATCHER[:] = [enqueue]


def _dispatch(run: CollectionRun) -> None:
    """Put the run's job on the queue and note when; ``JobQueueUnavailable`` if it failed."""
    if not _DISPATCHER:
        raise JobQueueUnavailable("job queue unavailable: no job queue executes connector runs")
    try:
        _DISPATCHER[0](run.pk)
    except Exception as exc:  # whatever the queue's client raised, the job is not queued
        logger.warning("collection run %s: the job queue refused its job: %r", run.pk, exc)
        raise JobQueueUnavailable(
            f"job queue unavailable ({type(exc).__name__}): the run was not queued; "
            "try again when the job queue is back (the server log has the details)"
        ) from exc
    run.dispatched_at = timezone.now()
    CollectionRun.objects.filter(pk=run.pk).update(dispatched_at=run.dispatched_at)


def _dispatch_or_withdraw(run: CollectionRun, created: bool) -> None:
    """After commit: queue the run's job; a run created for it is deleted again when the
    queue refuses it, so the database never keeps a queued run without a job for it."""
    if CollectionRun.objects.filter(pk=run.pk, dispatched_at__isnull=False).exists():
        return  # the sweeper's retry: its job went on the queue when it committed
    try:
        _dispatch(run)
    except JobQueueUnavailable:
        if created:
            CollectionRun.objects.filter(
                pk=run.pk, status=RunStatus.QUEUED, dispatched_at__isnull=True
            ).delete()
        raise


# --- runs ------------------------------------------------------------------------------------


def request_run(
    ctx: OrgContext, connector: Connector, trigger: str = Trigger.MANUAL, *, dispatch: bool = False
) -> CollectionRun:
    """Queue a collection run; while a run of the connector is queued or running, that run is
    returned instead of a second one (a run whose worker is gone is interrupted first).

    With ``dispatch`` the run's job goes on the job queue when the transaction commits; if the
    queue refuses it, ``JobQueueUnavailable`` is raised and no run is left queued.
    """
    ctx.require(RUN)
    if connector.organization_id != ctx.org.pk:
        raise ConnectorError("this connector belongs to another organization")
    sweep(connector=connector)
    with transaction.atomic():
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        run, created = _queue(ctx, locked, trigger)
        if dispatch and run.status == RunStatus.QUEUED and run.dispatched_at is None:
            transaction.on_commit(lambda: _dispatch_or_withdraw(run, created), robust=False)
    return run


def _queue(ctx: OrgContext, connector: Connector, trigger: str) -> tuple[CollectionRun, bool]:
    pending = connector.runs.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).first()
    if pending is not None:
        return pending, False
    run = CollectionRun.objects.create(
        organization=ctx.org,
        connector=connector,
        source=connector.name,
        kind=connector.kind,
        trigger=trigger,
        requested_by=ctx.user,
    )
    return run, True


def due_connectors(now: datetime.datetime | None = None):
    """Enabled connectors whose next scheduled run is due."""
    now = now or timezone.now()
    return Connector.objects.filter(enabled=True).filter(
        Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
    )


def schedule_due(now: datetime.datetime | None = None) -> list[CollectionRun]:
    """Queue a run of every due connector, put its job on the queue and move its next run one
    interval on; returns the runs created (a connector whose previous run is still pending
    gets none). A job the queue refuses is queued again by the sweeper."""
    now = now or timezone.now()
    sweep(now)
    created = []
    for pk in due_connectors(now).values_list("pk", flat=True):
        with transaction.atomic():
            connector = (
                Connector.objects.select_for_update().select_related("organization").get(pk=pk)
            )
            connector.next_run_at = now + datetime.timedelta(minutes=connector.interval_minutes)
            connector.save(update_fields=["next_run_at"])
            run, new = _queue(
                OrgContext.system(connector.organization), connector, Trigger.SCHEDULE
            )
        if new:
            created.append(run)
    _dispatch_all(created)
    return created


def _dispatch_all(runs: list[CollectionRun]) -> None:
    for run in runs:
        try:
            _dispatch(run)
        except JobQueueUnavailable:
            logger.warning("the job queue is unavailable: the sweeper queues the runs later")
            return


def _claim(run: CollectionRun) -> bool:
    """Mark a queued run as running, held by this worker; False if another worker took it.

    One conditional UPDATE (``WHERE status = 'queued'``): the database lets exactly one of
    several workers holding the same job change the row, whatever the interleaving (SQLite
    serialises writers; PostgreSQL re-checks the condition after the first writer commits).
    """
    now = timezone.now()
    claimed = CollectionRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, worker=_worker(), heartbeat_at=now
    )
    run.refresh_from_db()
    if claimed == 1:
        logger.info("collection run %s claimed by %s", run.pk, _worker())
    else:
        logger.info("collection run %s is %s already: %s leaves it", run.pk, run.status, _worker())
    return claimed == 1


def execute(
    ctx: OrgContext, run: CollectionRun, progress: Progress | None = None
) -> list[CollectedItem]:
    """Run a queued collection: the connector collects, the sink stores; the run records the
    outcome. Returns the items stored ([] when the run failed, was already taken, or was
    interrupted while it ran because its lease expired)."""
    if run.organization_id != ctx.org.pk or run.connector is None:
        raise ConnectorError("this run has no connector of this organization")
    if not _claim(run):
        return []
    connector = run.connector
    items: list[CollectedItem] = []
    with _Lease(run) as lease:
        try:
            plugin = instantiate(connector)
            origin = _Origin(
                run=run,
                connector=connector,
                source=Source.CONNECTOR,
                source_detail=f"{connector.kind} connector {plugin.version}: {connector.name}"[
                    :200
                ],
                valid_days=connector.valid_days,
            )
            sink = _Sink(ctx, origin, plugin.produces, progress, lease)
            with tempfile.TemporaryDirectory(dir=_scratch_root()) as scratch:
                lease.scratch = Path(scratch)
                env = Environment(import_dir=import_dir(ctx.org), scratch=lease.scratch)
                plugin.collect(env, sink)
            lease.scratch = None
            items = sink.items
            if not items:
                raise CollectError("the connector finished without storing anything")
        except EXPECTED_ERRORS as exc:
            status, message, items = RunStatus.FAILED, str(exc), []
        except Exception as exc:
            logger.exception("connector run %s failed", run.pk)
            status, message, items = RunStatus.FAILED, f"internal error ({type(exc).__name__})", []
        else:
            status, message = RunStatus.SUCCEEDED, _summary(items)
    if not _finish(ctx, run, status, message, items):
        return []
    if any(item.created for item in items):
        _propose_assets(ctx.org)
        _feed_accounts(ctx.org, connector, items)
    return items


def _propose_assets(org) -> None:
    """New snapshots may show systems the asset inventory lacks: propose them (unconfirmed,
    for their owner to confirm). A failure here never fails the run that collected."""
    from annexa.connectors.services import asset_proposals

    try:
        with transaction.atomic():
            made = asset_proposals.propose(OrgContext.system(org))
    except Exception:
        logger.exception("proposing assets from the snapshots of %s failed", org.slug)
        return
    if made:
        logger.info("%d asset(s) proposed from collected snapshots in %s", len(made), org.slug)


def _feed_accounts(org, connector, items: list[CollectedItem]) -> None:
    """New snapshots that list accounts (identity providers, AWS IAM users, GitHub members)
    give the people register their system's accounts, and an identity connector configured
    to feed people its people. A failure here never fails the run that collected."""
    from annexa.connectors.services import account_feed

    try:
        config = instantiate(connector).config
        fed = account_feed.feed_run(
            org, connector, items, feed_people=bool(getattr(config, "feed_people", False))
        )
    except Exception:
        logger.exception("feeding accounts from the snapshots of %s failed", org.slug)
        return
    for one in fed:
        if one.accounts is not None:
            logger.info(
                "%s: %d account(s) synced in %s (%d unmatched)",
                one.system,
                one.accounts.total,
                org.slug,
                one.accounts.unmatched,
            )


def _summary(items: list[CollectedItem]) -> str:
    new = sum(1 for item in items if item.created)
    return f"{len(items)} file(s) collected, {new} new, {len(items) - new} unchanged"


def _finish(ctx: OrgContext, run: CollectionRun, status: str, message: str, items: list) -> bool:
    """Record the outcome of a run this worker holds; False (nothing recorded) when the run
    is no longer held by it: its lease expired and the sweeper interrupted it."""
    with transaction.atomic():
        finished = CollectionRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, worker=run.worker
        ).update(status=status, message=message[:2000], finished_at=timezone.now())
        run.refresh_from_db()
        if not finished:
            logger.warning(
                "collection run %s was %s before %s finished it: its outcome (%s) is dropped",
                run.pk,
                run.status,
                _worker(),
                status,
            )
            return False
        _record_outcome(ctx, run, items)
    return True


def _record_outcome(ctx: OrgContext, run: CollectionRun, items: list, **extra) -> None:
    data = {
        "connector": str(run.connector.uid) if run.connector else None,
        "source": run.source,
        "trigger": run.trigger,
        "message": run.message,
        "items": [
            {"version": str(i.version.uid), "sha256": i.version.sha256, "new": i.created}
            for i in items
        ],
    }
    if run.attempt > 1 or extra:
        data["attempt"] = run.attempt
    ledger.append(
        ctx,
        object_type=RUN_OBJECT_TYPE,
        object_id=str(run.uid),
        action=run.status,
        data={**data, **extra},
    )


# --- interrupted runs ------------------------------------------------------------------------

# A queued run whose job was put on the queue this many leases ago is queued again (its job
# was lost, e.g. with the queue's data); a duplicate job is harmless: only one claims the run.
REDISPATCH_LEASES = 12


def sweep(
    now: datetime.datetime | None = None, *, connector: Connector | None = None
) -> list[CollectionRun]:
    """Interrupt the running runs whose lease expired (their worker is gone), queue their
    retries, and queue again the jobs of queued runs that have none; returns the retries.

    Called every minute by the worker (``connectors.sweep_runs``), when it starts, and before
    a run is queued, so "Run now" never answers with a run whose worker is gone.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=lease_seconds())
    expired = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    running = CollectionRun.objects.filter(expired, status=RunStatus.RUNNING)
    queued = CollectionRun.objects.filter(status=RunStatus.QUEUED, connector__isnull=False).filter(
        Q(dispatched_at__isnull=True, queued_at__lt=cutoff)
        | Q(dispatched_at__lt=now - REDISPATCH_LEASES * (now - cutoff))
    )
    if connector is not None:
        running, queued = running.filter(connector=connector), queued.filter(connector=connector)
    retries = []
    for run in running.select_related("organization", "connector"):
        since = run.heartbeat_at or run.started_at or run.queued_at
        reason = (
            f"interrupted: the worker {run.worker or '(unknown)'} stopped renewing its lease "
            f"(last heartbeat {since:%Y-%m-%d %H:%M:%S} UTC)"
        )
        retry = _interrupt(run, reason, expired)
        if retry is not None:
            retries.append(retry)
    _dispatch_all(list(queued))
    return retries


def hand_back(holder: str | None = None) -> list[CollectionRun]:
    """Interrupt the runs this worker process still holds (``annexa worker`` is stopping and
    its jobs did not finish in the grace period) and queue their retries."""
    holder = holder or _worker()
    retries = []
    runs = CollectionRun.objects.filter(status=RunStatus.RUNNING, worker=holder)
    for run in runs.select_related("organization", "connector"):
        reason = f"interrupted: the worker {holder} was stopped before the run finished"
        retry = _interrupt(run, reason, Q())
        if retry is not None:
            retries.append(retry)
    return retries


def _interrupt(run: CollectionRun, reason: str, condition: Q) -> CollectionRun | None:
    """Mark a running run interrupted (in the ledger like every outcome) and queue its retry
    while attempts remain; returns the retry. Nothing happens when the run changed meanwhile
    (it finished, or its worker renewed the lease: ``condition`` no longer holds)."""
    ctx = OrgContext.system(run.organization)
    with transaction.atomic():
        if run.connector_id is not None:  # the same lock as request_run: one pending run
            Connector.objects.select_for_update().filter(pk=run.connector_id).first()
        interrupted = CollectionRun.objects.filter(
            condition, pk=run.pk, status=RunStatus.RUNNING, worker=run.worker
        ).update(status=RunStatus.INTERRUPTED, finished_at=timezone.now())
        if not interrupted:
            return None
        run.refresh_from_db()
        retry, outcome = _retry(run)
        run.message = f"{reason}; {outcome}"[:2000]
        run.save(update_fields=["message"])
        _record_outcome(ctx, run, [], retry=str(retry.uid) if retry else None)
        logger.warning("collection run %s %s", run.pk, run.message)
        if retry is not None:
            transaction.on_commit(lambda: _dispatch_all([retry]))
    return retry


def _retry(run: CollectionRun) -> tuple[CollectionRun | None, str]:
    """The run that tries an interrupted run again, if any, and what the run's message says."""
    limit = max_attempts()
    if run.trigger == Trigger.INGEST:
        return None, "a file import is not retried: import the file again"
    if run.connector_id is None:
        return None, "not retried: its connector was removed"
    if run.attempt >= limit:
        return None, (
            f"not retried: {run.attempt} of {limit} attempts were interrupted; find out why the "
            "worker stops (its log), then run the connector again"
        )
    pending = CollectionRun.objects.filter(
        connector_id=run.connector_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).first()
    if pending is not None:
        return None, f"not retried: run {pending.pk} of the connector is {pending.status}"
    retry = CollectionRun.objects.create(
        organization=run.organization,
        connector_id=run.connector_id,
        source=run.source,
        kind=run.kind,
        trigger=run.trigger,
        requested_by=run.requested_by,
        attempt=run.attempt + 1,
        retry_of=run,
    )
    return retry, f"retried as attempt {retry.attempt} of {limit} (run {retry.pk})"


# --- file imports ----------------------------------------------------------------------------


def ingest_file(
    ctx: OrgContext,
    path: Path,
    *,
    filename: str | None = None,
    kind: str | None = None,
    valid_days: int = INGEST_VALID_DAYS,
) -> CollectedItem:
    """Import a tool's output file as evidence (kind detected from content when not given).

    ``ImportRejected`` when the file is not valid; nothing is stored then. The file is
    detected, inspected, hashed and copied to the blob store outside any transaction (on
    SQLite a transaction holds the one write lock); the run and its item are recorded last,
    in one short transaction.
    """
    ctx.require(RUN)
    name = filename or path.name
    started = timezone.now()
    try:
        file_kind = kinds.get(kind) if kind else kinds.detect(path, name)
    except (FormatError, OSError) as exc:
        raise ImportRejected(f"{name}: {exc}") from None
    origin = _Origin(
        run=None,
        connector=None,
        source=Source.IMPORT,
        source_detail=f"annexa ingest ({file_kind.name}): {name}"[:200],
        valid_days=valid_days,
    )
    try:
        stored = _store(ctx, origin, path, name, file_kind.name)
    except (FormatError, EvidenceError) as exc:
        raise ImportRejected(str(exc)) from None
    with transaction.atomic():
        run = CollectionRun.objects.create(
            organization=ctx.org,
            source=IMPORT_SOURCE,
            kind=file_kind.name,
            trigger=Trigger.INGEST,
            status=RunStatus.RUNNING,
            started_at=started,
            worker=_worker(),
            heartbeat_at=started,
            requested_by=ctx.user,
        )
        item = _record_item(ctx, run, stored)
        _finish(ctx, run, RunStatus.SUCCEEDED, _summary([item]), [item])
    return item
