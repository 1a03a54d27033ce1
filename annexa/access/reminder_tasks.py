"""Scheduled access-review work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

Not named ``tasks.py``: the worker's discovery finds this module through
``AccessConfig.ready``, which imports it.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.access import reminders

logger = logging.getLogger(__name__)


# Hourly, although reminders go at most once a day: a worker that was down at a given hour
# still sends the day's reminders at its next run.
@db_periodic_task(crontab(minute="40"), name="access.notify_reviewers")
def notify_reviewers() -> int:
    """E-mail today's reminders to reviewers of open access reviews nearly due or overdue."""
    report = reminders.notify_reviewers()
    if report.emails:
        logger.info(
            "access review reminders: %s e-mails, %s notices", report.emails, report.notices
        )
    for failure in report.failures:
        logger.error("access review reminder failed: %s", failure)
    return report.emails
