"""Scheduled document work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

Imported by ``DocumentsConfig.ready`` (the worker's discovery finds only modules named
``tasks``, which the evidence app uses)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.documents.services import reminders

logger = logging.getLogger(__name__)


# Hourly: each reminder goes once per threshold (the notices say which went), so a worker
# that was down sends the missed ones at its next run.
@db_periodic_task(crontab(minute="50"), name="documents.notify")
def notify_documents() -> int:
    """E-mail the review and acknowledgement reminders due in every organization."""
    report = reminders.notify()
    if report.emails:
        logger.info("document reminders: %s e-mails", report.emails)
    for failure in report.failures:
        logger.error("document reminder failed: %s", failure)
    return report.emails
