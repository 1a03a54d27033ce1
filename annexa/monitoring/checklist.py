"""Automated results on audit checklists (registered with ``audits.services.checklist_rows``).

For each checklist item about an Annex A control: the latest result of every test that
speaks for the control, per system, observed within the audit's period — from its (actual,
else planned) start to its actual end; while the audit has not ended, to its planned end or
today, whichever is later. One query for any number of items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.utils import timezone

from annexa.monitoring import loader
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.models import TestResult


def period(audit) -> tuple[dt.date, dt.date]:
    """The first and last day of the audit's period (see the module docstring)."""
    start = audit.actual_start or audit.planned_start
    end = audit.actual_end or max(audit.planned_end, timezone.localdate())
    return start, end


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def automated_results(audit, items: Sequence) -> Mapping[int, list[dict]]:
    """By item pk: the results (JSON-safe dicts) of its control's tests in the period."""
    by_control: dict[str, list[int]] = {}
    for item in items:
        if item.control_id:
            by_control.setdefault(item.control_id, []).append(item.pk)
    tests = {cls.id: cls for c in by_control for cls in loader.tests_for_control(c)}
    if not tests:
        return {}
    start, end = period(audit)
    rows = (
        TestResult.objects.for_org(audit.organization)
        .filter(test_id__in=list(tests), observed_at__gte=_day_start(start))
        .filter(observed_at__lt=_day_start(end + dt.timedelta(days=1)))
        .exclude(status=ResultStatus.NOT_APPLICABLE)
        .order_by("test_id", "stream", "-observed_at", "-id")
        .values(
            "test_id",
            "stream",
            "status",
            "reason",
            "observed_at",
            "control_ids",
            "run_id",
            "run__version__evidence_id",
            "run__version__number",
            "run__version__sha256",
        )
    )
    found: dict[int, list[dict]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows.iterator():
        key = (row["test_id"], row["stream"])
        if key in seen:
            continue  # an older result of the same test on the same system
        seen.add(key)
        for control_id in row["control_ids"]:
            for pk in by_control.get(control_id, []):
                found.setdefault(pk, []).append(_entry(row, tests[row["test_id"]], control_id))
    return found


def _entry(row: dict, test, control_id: str) -> dict:
    return {
        "test_id": row["test_id"],
        "title": test.title,
        "control": control_id,
        "system": row["stream"],
        "status": row["status"],
        "observed_at": row["observed_at"].isoformat(),
        "reason": row["reason"],
        "run_id": row["run_id"],
        "evidence_id": row["run__version__evidence_id"],
        "evidence_version": row["run__version__number"],
        "sha256": row["run__version__sha256"],
    }
