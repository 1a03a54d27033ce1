"""Automated results on audit checklists (registered with ``audits.services.checklist_rows``).

For each checklist item about an Annex A control: the latest result of every test that
speaks for the control, per system, and apart from them the scanner rules that test it (one
entry per system, from its latest file; see ``status``), observed within the audit's period:
from its (actual, else planned) start to its actual end; while the audit has not ended, to
its planned end or today, whichever is later.

Two queries for any number of items, results and files: the database picks the latest result
of each test on each system (and the latest file of each system) within the period, so the
history of the monitoring is never read into Python. The pairs (system, test) and the systems
to look at are those of the ``is_latest`` rows: the evaluation marks exactly one result of
every pair that has results (the first result of a pair is its latest until a newer one
replaces it), and exactly one run of every system, so no pair with a result in the period is
missed; each pair's newest result in the period is then one step down the index on
(organization, stream, test, observed at)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from annexa.monitoring import loader
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.models import TestResult, TestRun
from annexa.monitoring.status import LATEST_RESULT, RuleView


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
    if not by_control:
        return {}
    start, end = period(audit)
    found = _test_results(audit, by_control, start, end)
    for pk, entries in _rule_results(audit, by_control, start, end).items():
        found.setdefault(pk, []).extend(entries)
    return found


def _in_period(start: dt.date, end: dt.date) -> Q:
    return Q(
        observed_at__gte=_day_start(start), observed_at__lt=_day_start(end + dt.timedelta(days=1))
    )


def _test_results(audit, by_control: dict[str, list[int]], start, end) -> dict[int, list[dict]]:
    """The latest result of each control test on each system in the period (by observation
    time, then id), leaving out the results that do not apply: when the latest one does not
    apply, the newest one before it that does is shown. One query."""
    tests = {cls.id: cls for c in by_control for cls in loader.tests_for_control(c)}
    if not tests:
        return {}
    org = audit.organization
    newest = (
        TestResult.objects.for_org(org)
        .filter(_in_period(start, end), stream=OuterRef("stream"), test_id=OuterRef("test_id"))
        .exclude(status=ResultStatus.NOT_APPLICABLE)
        .order_by("-observed_at", "-id")
        .values("pk")[:1]
    )
    picked = (
        TestResult.objects.for_org(org)
        .filter(LATEST_RESULT, test_id__in=list(tests))
        .values(newest=Subquery(newest))
    )
    rows = (
        TestResult.objects.filter(pk__in=picked)
        .order_by("test_id", "stream")
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
    for row in rows:
        for control_id in row["control_ids"]:
            for pk in by_control.get(control_id, []):
                found.setdefault(pk, []).append(_entry(row, tests[row["test_id"]], control_id))
    return found


def _rule_results(audit, by_control: dict[str, list[int]], start, end) -> dict[int, list[dict]]:
    """The scanner rules that test each item's control (reviewed mapping, as ``status.derive``
    counts them), from the latest file of each system in the period (by observation time,
    then id): one entry per system, apart from the control tests. One query."""
    org = audit.organization
    newest = (
        TestRun.objects.for_org(org)
        .filter(_in_period(start, end), stream=OuterRef("stream"))
        .order_by("-observed_at", "-id")
        .values("pk")[:1]
    )
    picked = TestRun.objects.for_org(org).filter(is_latest=True).values(newest=Subquery(newest))
    rows = (
        TestRun.objects.filter(pk__in=picked)
        .order_by("stream")
        .values(
            "pk",
            "kind",
            "stream",
            "observed_at",
            "summary__controls",
            "version__evidence_id",
            "version__number",
            "version__sha256",
        )
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        for control_id, counts in (row["summary__controls"] or {}).items():
            view = RuleView(
                row["pk"], row["kind"], row["stream"], counts, row["observed_at"], None, True
            )
            if control_id not in by_control or view.status == ResultStatus.NOT_APPLICABLE:
                continue
            entry = {
                "test_id": f"{row['kind']} rules",
                "title": f"{row['kind']} rules that test {control_id} (scanner results)",
                "control": control_id,
                "system": row["stream"],
                "status": view.status,
                "observed_at": row["observed_at"].isoformat(),
                "reason": _rule_reason(view),
                "run_id": row["pk"],
                "evidence_id": row["version__evidence_id"],
                "evidence_version": row["version__number"],
                "sha256": row["version__sha256"],
            }
            for pk in by_control[control_id]:
                found.setdefault(pk, []).append(entry)
    return found


def _rule_reason(view: RuleView) -> str:
    counts = view.counts
    said = f"{counts.get('pass', 0)} passed, {counts.get('fail', 0)} failed"
    if counts.get("error"):
        said += f", {counts['error']} errored"
    return f"{said}; {view.other} said nothing about the control (not applicable and the like)"


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
