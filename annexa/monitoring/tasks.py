"""Background jobs of monitoring, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

- ``collect``: execute one queued connector run and judge what it stored;
- every minute, queue a run of each connector whose schedule is due;
- every hour, re-derive control statuses, so evidence that went stale shows as stale;
- ``deliver_notification``: send one e-mail or webhook of the outbox, retried with growing
  delays (30 s, 1, 2, 4 min) while the receiver or the mail server fails.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from annexa.connectors import services as connectors
from annexa.connectors.models import CollectionRun
from annexa.core.tenancy import OrgContext
from annexa.monitoring import notify, services
from annexa.orgs.models import Organization

logger = logging.getLogger(__name__)


@db_task(name="monitoring.collect")
def collect(run_pk: int) -> str:
    """Execute a queued collection run; returns its final status."""
    run = CollectionRun.objects.select_related("organization", "connector").filter(pk=run_pk)
    found = run.first()
    if found is None or found.connector is None:
        return "gone"
    report = services.execute_collection(OrgContext.system(found.organization), found)
    logger.info("connector run %s: %s (%s)", found.pk, report.run.status, report.run.message)
    return report.run.status


@db_periodic_task(crontab(minute="*"), name="monitoring.schedule_connectors")
def schedule_connectors() -> int:
    """Queue the due connectors (their collect jobs included); returns how many were queued."""
    return len(connectors.schedule_due())


@db_periodic_task(crontab(minute="7"), name="monitoring.refresh_statuses")
def refresh_statuses() -> int:
    """Re-derive every organization's control statuses; returns how many changed."""
    changed = 0
    for org in Organization.objects.all():
        changed += len(services.refresh(OrgContext.system(org)))
    return changed


@db_task(
    name="monitoring.deliver_notification",
    retries=notify.MAX_ATTEMPTS - 1,
    retry_delay=30,
    retry_backoff=2,
)
def deliver_notification(notification_pk: int) -> str:
    """Deliver one outbox row; ``notify.DeliveryFailed`` makes the queue retry it later."""
    return notify.deliver(notification_pk)
