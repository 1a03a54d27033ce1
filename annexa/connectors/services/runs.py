"""Collection runs and file imports: fetch, validate, store as evidence, idempotently.

Storing is idempotent per stream (one system seen by one connector, e.g. ``lynis:web1``): when
the content is byte-for-byte the stream's latest content, the run records that version
(``created=False``) instead of adding evidence. A changed content becomes a new version
of the stream's evidence item, so its history reads as one item over time.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
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
    """Who stores: the run, the connector (None for imports), provenance and validity."""

    run: CollectionRun
    connector: Connector | None
    source: str
    source_detail: str
    valid_days: int


def _scratch_root() -> Path:
    path = Path(settings.HOME) / "tmp" / "connectors"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_file(
    ctx: OrgContext, origin: _Origin, path: Path, filename: str, kind: str
) -> CollectedItem:
    """Validate ``path`` as ``kind`` and keep it as evidence of ``origin.run`` (idempotent)."""
    try:
        inspection = kinds.get(kind).inspect(path, filename)
    except (FormatError, OSError) as exc:
        raise FormatError(f"{filename}: {exc}") from None
    sha256, _size = hash_file(path)
    stream = f"{kind}:{inspection.target}"[:300]
    # Only the stream's latest content counts as "already held": content that returns after
    # a change (A, B, then A again) is a new observation and must become the latest again.
    latest = _stream_items(ctx, origin.connector, stream).select_related("version").last()
    if latest is not None and latest.version.sha256 == sha256:
        version, created = latest.version, False
    else:
        version, created = _keep(ctx, origin, path, inspection, latest), True
    return CollectedItem.objects.create(
        organization=ctx.org,
        run=origin.run,
        version=version,
        kind=kind,
        stream=stream,
        created=created,
        records=inspection.records,
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
    common = {
        "path": path,
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


class _Sink:
    """The ``EvidenceSink`` a connector writes to during one run."""

    def __init__(
        self,
        ctx: OrgContext,
        origin: _Origin,
        produces: tuple[str, ...],
        progress: Progress | None,
    ) -> None:
        self.ctx = ctx
        self.origin = origin
        self.produces = produces
        self.report = progress or (lambda message: None)
        self.items: list[CollectedItem] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        if kind not in self.produces:
            raise CollectError(f"this connector may not store evidence of kind {kind!r}")
        name = filename or path.name
        self.report(f"checking {name}")
        self.items.append(store_file(self.ctx, self.origin, path, name, kind))

    def progress(self, message: str) -> None:
        self.report(message)


# --- runs ------------------------------------------------------------------------------------


def request_run(
    ctx: OrgContext, connector: Connector, trigger: str = Trigger.MANUAL
) -> CollectionRun:
    """Queue a collection run (the job queue executes it); while a run of the connector is
    queued or running, that run is returned instead of a second one."""
    ctx.require(RUN)
    if connector.organization_id != ctx.org.pk:
        raise ConnectorError("this connector belongs to another organization")
    with transaction.atomic():
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        run, _created = _queue(ctx, locked, trigger)
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
    """Queue a run of every due connector and move its next run one interval on; returns
    the runs created (a connector whose previous run is still pending gets none)."""
    now = now or timezone.now()
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
    return created


def _worker() -> str:
    """Who executes jobs here (host and process), for the logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(run: CollectionRun) -> bool:
    """Mark a queued run as running; False if another worker already took it.

    One conditional UPDATE (``WHERE status = 'queued'``): the database lets exactly one of
    several workers holding the same job change the row, whatever the interleaving (SQLite
    serialises writers; PostgreSQL re-checks the condition after the first writer commits).
    """
    claimed = CollectionRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
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
    outcome. Returns the items stored ([] when the run failed or was already taken)."""
    if run.organization_id != ctx.org.pk or run.connector is None:
        raise ConnectorError("this run has no connector of this organization")
    if not _claim(run):
        return []
    connector = run.connector
    try:
        plugin = instantiate(connector)
        origin = _Origin(
            run=run,
            connector=connector,
            source=Source.CONNECTOR,
            source_detail=f"{connector.kind} connector {plugin.version}: {connector.name}"[:200],
            valid_days=connector.valid_days,
        )
        sink = _Sink(ctx, origin, plugin.produces, progress)
        with tempfile.TemporaryDirectory(dir=_scratch_root()) as scratch:
            env = Environment(import_dir=import_dir(ctx.org), scratch=Path(scratch))
            plugin.collect(env, sink)
        if not sink.items:
            raise CollectError("the connector finished without storing anything")
    except EXPECTED_ERRORS as exc:
        _finish(ctx, run, RunStatus.FAILED, str(exc), [])
        return []
    except Exception as exc:
        logger.exception("connector run %s failed", run.pk)
        _finish(ctx, run, RunStatus.FAILED, f"internal error ({type(exc).__name__})", [])
        return []
    _finish(ctx, run, RunStatus.SUCCEEDED, _summary(sink.items), sink.items)
    return sink.items


def _summary(items: list[CollectedItem]) -> str:
    new = sum(1 for item in items if item.created)
    return f"{len(items)} file(s) collected, {new} new, {len(items) - new} unchanged"


def _finish(ctx: OrgContext, run: CollectionRun, status: str, message: str, items: list) -> None:
    with transaction.atomic():
        run.status = status
        run.message = message[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        ledger.append(
            ctx,
            object_type=RUN_OBJECT_TYPE,
            object_id=str(run.uid),
            action=status,
            data={
                "connector": str(run.connector.uid) if run.connector else None,
                "source": run.source,
                "trigger": run.trigger,
                "message": run.message,
                "items": [
                    {"version": str(i.version.uid), "sha256": i.version.sha256, "new": i.created}
                    for i in items
                ],
            },
        )


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

    ``ImportRejected`` when the file is not valid; nothing is stored then.
    """
    ctx.require(RUN)
    name = filename or path.name
    try:
        file_kind = kinds.get(kind) if kind else kinds.detect(path, name)
    except (FormatError, OSError) as exc:
        raise ImportRejected(f"{name}: {exc}") from None
    with transaction.atomic():
        run = CollectionRun.objects.create(
            organization=ctx.org,
            source=IMPORT_SOURCE,
            kind=file_kind.name,
            trigger=Trigger.INGEST,
            status=RunStatus.RUNNING,
            started_at=timezone.now(),
            requested_by=ctx.user,
        )
        origin = _Origin(
            run=run,
            connector=None,
            source=Source.IMPORT,
            source_detail=f"annexa ingest ({file_kind.name}): {name}"[:200],
            valid_days=valid_days,
        )
        try:
            item = store_file(ctx, origin, path, name, file_kind.name)
        except (FormatError, EvidenceError) as exc:
            raise ImportRejected(str(exc)) from None
        _finish(ctx, run, RunStatus.SUCCEEDED, _summary([item]), [item])
    return item
