"""Background jobs of connectors, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

- every minute, the sweeper: a running collection whose worker stopped renewing its lease is
  marked interrupted and retried (up to ``ANNEXA_CONNECTOR_RUN_ATTEMPTS`` attempts), and a
  queued run whose job never reached the queue is put on it again.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.connectors.services import runs


@db_periodic_task(crontab(minute="*"), name="connectors.sweep_runs")
def sweep_runs() -> int:
    """Interrupt and retry the runs of vanished workers; returns how many retries it queued."""
    return len(runs.sweep())
