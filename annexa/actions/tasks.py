"""Scheduled corrective-action work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.actions import services

logger = logging.getLogger(__name__)


# Hourly, although reminders go at most once a day: a worker that was down at a given hour
# still sends the day's reminders at its next run, and the notices keep them to one a day.
@db_periodic_task(crontab(minute="20"), name="actions.notify_overdue")
def notify_overdue() -> int:
    """E-mail today's overdue reminders in every organization; returns how many were sent."""
    report = services.notify_overdue()
    if report.emails:
        logger.info("overdue reminders: %s e-mails, %s notices", report.emails, report.notices)
    for failure in report.failures:
        logger.error("overdue reminder failed: %s", failure)
    return report.emails
