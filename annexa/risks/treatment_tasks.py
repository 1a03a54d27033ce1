"""Scheduled treatment-action work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

Not named ``tasks.py``: the worker's discovery finds this module through ``RisksConfig.ready``,
which imports it, as it does ``supplier_tasks``.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.risks.services import treatment_reminders

logger = logging.getLogger(__name__)


# Hourly, although reminders go at most once a day: a worker that was down at a given hour
# still sends the day's reminders at its next run, and the notices keep them to one a day.
@db_periodic_task(crontab(minute="30"), name="risks.notify_treatment")
def notify_treatment() -> int:
    """E-mail today's overdue treatment-action reminders in every organization; returns how
    many e-mails were sent."""
    report = treatment_reminders.notify_treatment()
    if report.emails:
        logger.info(
            "treatment action reminders: %s e-mails, %s notices", report.emails, report.notices
        )
    for failure in report.failures:
        logger.error("treatment action reminder failed: %s", failure)
    return report.emails
