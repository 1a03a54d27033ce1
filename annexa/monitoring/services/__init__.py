"""Every change monitoring makes: judge evidence, keep results, derive control statuses.

Web views, API views, the CLI and the background jobs call these functions.
"""

from annexa.monitoring.services.evaluation import EVALUATE, evaluate_version, suite_digest
from annexa.monitoring.services.orchestration import (
    Collected,
    Judged,
    RunControl,
    collect_now,
    control_counts,
    execute_collection,
    ingest,
    queue_collection,
    run_controls,
    run_statuses,
)
from annexa.monitoring.services.status import on_transition, refresh

__all__ = [
    "EVALUATE",
    "Collected",
    "Judged",
    "RunControl",
    "collect_now",
    "control_counts",
    "evaluate_version",
    "execute_collection",
    "ingest",
    "on_transition",
    "queue_collection",
    "refresh",
    "run_controls",
    "run_statuses",
    "suite_digest",
]
