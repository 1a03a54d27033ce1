"""Scheduled supplier work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``).

Not named ``tasks.py``: the worker's discovery finds this module through ``RisksConfig.ready``,
which imports it, so the risks app's other jobs keep their own module.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.risks.services import supplier_reminders

logger = logging.getLogger(__name__)


# Hourly, although reminders go at most once a week: a worker that was down at a given hour
# still sends them at its next run, and the ledger's record keeps them to one a week.
@db_periodic_task(crontab(minute="40"), name="risks.notify_suppliers")
def notify_suppliers() -> int:
    """E-mail the supplier reminders due in every organization; returns how many were sent."""
    report = supplier_reminders.notify_suppliers()
    if report.emails:
        logger.info("supplier reminders: %s e-mails, %s reminders", report.emails, report.reminders)
    for failure in report.failures:
        logger.error("supplier reminder failed: %s", failure)
    return report.emails
