"""Scheduled evidence work, run by ``annexa worker`` (huey, see ``annexa.core.jobs``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from annexa.evidence.collector import DEFAULT_GRACE, collect_orphans

logger = logging.getLogger(__name__)


# Hourly, with the default grace period of an hour: what a killed upload, web request or
# connector run left behind is gone within two hours, and nothing younger is touched.
@db_periodic_task(crontab(minute="40"), name="evidence.collect_garbage")
def collect_garbage() -> int:
    """Delete orphaned blobs and stale temporary files; returns how many were deleted."""
    result = collect_orphans(grace=DEFAULT_GRACE)
    deleted = result.blobs_deleted + result.temporary_deleted
    if deleted:
        logger.info(
            "evidence gc: %s orphaned blob(s), %s temporary file(s) or folder(s) deleted",
            result.blobs_deleted,
            result.temporary_deleted,
        )
    return deleted
