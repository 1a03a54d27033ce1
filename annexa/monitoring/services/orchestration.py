"""Collect → store → judge: file imports, connector runs (foreground or queued)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annexa.connectors import services as connectors
from annexa.connectors.choices import Trigger
from annexa.connectors.mapping import STATUSES
from annexa.connectors.models import CollectedItem, CollectionRun, Connector
from annexa.core.tenancy import OrgContext
from annexa.monitoring import engine
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import TestRun
from annexa.monitoring.services.evaluation import evaluate_version
from annexa.monitoring.services.status import refresh


@dataclass
class Judged:
    """One stored file and the test run that judged it."""

    item: CollectedItem
    run: TestRun
    new_run: bool

    def as_dict(self) -> dict[str, Any]:
        version = self.item.version
        results = list(self.run.results.order_by("test_id"))
        return {
            "kind": self.item.kind,
            "stream": self.item.stream,
            "evidence": {
                "uid": str(version.evidence.uid),
                "version": version.number,
                "sha256": version.sha256,
                "filename": version.filename,
                "new": self.item.created,
            },
            "test_run": {"uid": str(self.run.uid), "new": self.new_run, "status": self.run.status},
            "controls": control_counts(self.run),
            "control_status": run_statuses(self.run),
            "related": self.run.summary.get("related", {}),
            "facts": self.run.summary.get("facts", {}),
            "tests": [
                {
                    "id": r.test_id,
                    "status": r.status,
                    "controls": r.control_ids,
                    "reason": r.reason,
                }
                for r in results
            ],
            "findings": self.run.summary.get("findings", 0),
            "unmapped_findings": self.run.summary.get("unmapped_findings", 0),
            "unmapped": self.run.summary.get("unmapped", []),
            "error": self.run.summary.get("error", ""),
        }


def control_counts(run: TestRun) -> dict[str, dict[str, int]]:
    """Per Annex A control: pass / fail / error / not applicable of the tool's own rule and
    check results that test the control (reviewed mappings only). Annexa's control tests are
    never added in: they are results of another kind, listed apart."""
    counts: dict[str, dict[str, int]] = {
        control: {key: int(tally.get(key, 0)) for key in STATUSES}
        for control, tally in run.summary.get("controls", {}).items()
    }
    return {k: counts[k] for k in sorted(counts, key=lambda c: tuple(map(int, c[2:].split("."))))}


@dataclass(frozen=True)
class RunControl:
    """One row of a run's per-control table: what the tool's rules said about the control in
    this run, and the control's status now (``status.derive``, the one source)."""

    control_id: str
    counts: dict[str, int]
    status: str


def run_controls(org, runs: list[TestRun]) -> dict[int, list[RunControl]]:
    """By run pk: the per-control rows of each run's scanner results, each with the control's
    current status. Four queries for any number of runs."""
    counted = {run.pk: control_counts(run) for run in runs}
    wanted = {control for counts in counted.values() for control in counts}
    views = derivation.derive(org, control_ids=wanted) if wanted else {}
    return {
        pk: [RunControl(c, tally, _status_of(views, c)) for c, tally in counts.items()]
        for pk, counts in counted.items()
    }


def _status_of(views: dict[str, derivation.ControlView], control_id: str) -> str:
    view = views.get(control_id)  # absent only when the catalog is not loaded
    return view.status if view is not None else ControlStatus.NOT_COVERED


def run_statuses(run: TestRun) -> dict[str, str]:
    """The current status of each control the run's scanner results speak of."""
    rows = run_controls(run.organization, [run])[run.pk]
    return {row.control_id: row.status for row in rows}


def _judge(ctx: OrgContext, item: CollectedItem, progress: engine.Progress | None = None) -> Judged:
    # The controls the system's previous file spoke of may change status too.
    before = (
        TestRun.objects.for_org(ctx.org)
        .filter(stream=item.stream, is_latest=True)
        .values_list("summary__controls", flat=True)
        .first()
    )
    run, new = evaluate_version(
        ctx,
        item.version,
        kind=item.kind,
        stream=item.stream,
        collection=item.run,
        progress=progress,
    )
    if new:
        controls = {c for r in run.results.all() for c in r.control_ids}
        controls |= set(run.summary.get("controls", {})) | set(before or {})
        refresh(ctx, run=run, control_ids=controls)
    return Judged(item=item, run=run, new_run=new)


def ingest(
    ctx: OrgContext,
    path: Path,
    *,
    filename: str | None = None,
    kind: str | None = None,
    valid_days: int = connectors.INGEST_VALID_DAYS,
    progress: engine.Progress | None = None,
) -> Judged:
    """Import a tool's output file as evidence and judge it (``annexa ingest``)."""
    item = connectors.ingest_file(ctx, path, filename=filename, kind=kind, valid_days=valid_days)
    return _judge(ctx, item, progress)


@dataclass
class Collected:
    """A connector run and what its files were judged to be."""

    run: CollectionRun
    judged: list[Judged] = field(default_factory=list)


def execute_collection(
    ctx: OrgContext, run: CollectionRun, progress: Callable[[str], None] | None = None
) -> Collected:
    """Execute a queued run, then judge every file it stored."""
    items = connectors.execute(ctx, run, progress)
    report = Collected(run=run)
    for item in items:
        if progress is not None:
            progress(f"judging {item.version.filename}")
        report.judged.append(_judge(ctx, item))
    return report


def collect_now(
    ctx: OrgContext, connector: Connector, progress: Callable[[str], None] | None = None
) -> Collected:
    """Run a connector in the foreground (``annexa collect``)."""
    run = connectors.request_run(ctx, connector, Trigger.MANUAL)
    return execute_collection(ctx, run, progress)


def queue_collection(
    ctx: OrgContext, connector: Connector, trigger: str = Trigger.MANUAL
) -> CollectionRun:
    """Queue a run for the background worker ("Run now"); ``connectors.JobQueueUnavailable``
    when the job queue does not take its job (nothing is left queued then)."""
    return connectors.request_run(ctx, connector, trigger, dispatch=True)
