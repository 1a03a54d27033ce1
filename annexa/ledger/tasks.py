"""Scheduled ledger work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``)."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task

from annexa.ledger import services

logger = logging.getLogger(__name__)


def every_n_minutes(minutes: int) -> Callable[[datetime], bool]:
    """A huey schedule that is due every ``minutes`` minutes, counted from the Unix epoch.

    A crontab ``*/N`` cannot express intervals that do not divide an hour (90 minutes) or
    exceed one (a day), so the schedule counts whole minutes since the epoch instead.
    """

    def due(moment: datetime) -> bool:
        return (calendar.timegm(moment.timetuple()) // 60) % minutes == 0

    return due


@db_periodic_task(every_n_minutes(settings.CHECKPOINT_MINUTES), name="ledger.checkpoints")
def scheduled_checkpoints() -> int:
    """Sign a checkpoint for every organization whose ledger grew; returns how many."""
    created, errors = services.checkpoint_all()
    for checkpoint in created:
        logger.info(
            "ledger checkpoint org=%s size=%s root=%s",
            checkpoint.organization_id,
            checkpoint.tree_size,
            checkpoint.root_hash,
        )
    for error in errors:
        logger.error("ledger checkpoint failed: %s", error)
    return len(created)
