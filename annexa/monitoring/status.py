"""A control's status, derived from its latest test results and its manual evidence.

For each Annex A control, looking at the latest result of every test that speaks for it (one
per system and test) and at the uploaded evidence linked to it:

- **failing**: a test on fresh evidence failed;
- **passing**: a test on fresh evidence passed, and none failed;
- **manual only**: no test decides on fresh evidence, but fresh uploaded evidence is linked;
- **stale**: there are results or linked evidence, but none is fresh enough to decide (this
  includes tests that could only report an error);
- **not covered**: nothing speaks for the control (no result, or only "not applicable").

Evidence is fresh until its ``valid_until`` date (connectors set it from their validity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from annexa.catalog.models import Control
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence
from annexa.monitoring import loader
from annexa.monitoring.choices import ControlStatus, ResultStatus
from annexa.monitoring.models import TestResult

DECISIVE = (ResultStatus.PASS, ResultStatus.FAIL)


@dataclass
class ResultView:
    """The latest result of one test on one system, as the status sees it."""

    test_id: str
    stream: str
    status: str
    reason: str
    observed_at: dt.datetime
    valid_until: dt.date | None
    fresh: bool


@dataclass
class ControlView:
    """Everything the grid, the coverage page and the API show about one control."""

    control_id: str
    title: str
    theme: str
    status: str = ControlStatus.NOT_COVERED
    tests: list[str] = field(default_factory=list)  # tests that could speak for it
    results: list[ResultView] = field(default_factory=list)
    manual_fresh: int = 0
    manual_stale: int = 0
    newest_evidence: dt.datetime | None = None

    @property
    def automated_tests(self) -> list[str]:
        """Tests that actually judged this control (passed or failed it) on some system."""
        return sorted({r.test_id for r in self.results if r.status in DECISIVE})

    @property
    def automated_fresh(self) -> int:
        """Latest results (per test and system) that still decide: fresh and pass or fail."""
        return sum(1 for r in self.results if r.fresh and r.status in DECISIVE)

    @property
    def automated_stale(self) -> int:
        """Latest results whose evidence is past its validity (or that only errored)."""
        return sum(
            1
            for r in self.results
            if r.status != ResultStatus.NOT_APPLICABLE and not (r.fresh and r.status in DECISIVE)
        )

    @property
    def evidence_age_days(self) -> int | None:
        if self.newest_evidence is None:
            return None
        return (timezone.now() - self.newest_evidence).days


def _is_fresh(valid_until: dt.date | None, today: dt.date) -> bool:
    return valid_until is None or valid_until >= today


def _latest_results(org, today: dt.date) -> dict[str, list[ResultView]]:
    by_control: dict[str, list[ResultView]] = {}
    rows = TestResult.objects.for_org(org).filter(is_latest=True).order_by("test_id", "stream")
    for row in rows.only(
        "test_id", "stream", "status", "reason", "observed_at", "valid_until", "control_ids"
    ):
        view = ResultView(
            test_id=row.test_id,
            stream=row.stream,
            status=row.status,
            reason=row.reason,
            observed_at=row.observed_at,
            valid_until=row.valid_until,
            fresh=_is_fresh(row.valid_until, today),
        )
        for control_id in row.control_ids:
            by_control.setdefault(control_id, []).append(view)
    return by_control


def _manual(org, today: dt.date) -> dict[str, tuple[int, int, dt.datetime | None]]:
    """Per control: (fresh count, stale count, newest collection time) of uploaded evidence."""
    found: dict[str, tuple[int, int, dt.datetime | None]] = {}
    rows = (
        Evidence.objects.for_org(org)
        .filter(current_version__source=Source.UPLOAD, controls__isnull=False)
        .values_list(
            "controls__id", "current_version__valid_until", "current_version__collected_at"
        )
    )
    for control_id, valid_until, collected_at in rows:
        fresh, stale, newest = found.get(control_id, (0, 0, None))
        if _is_fresh(valid_until, today):
            fresh += 1
        else:
            stale += 1
        newest = max(filter(None, (newest, collected_at)), default=None)
        found[control_id] = (fresh, stale, newest)
    return found


def decide(view: ControlView) -> str:
    """The status of one control from its results and manual evidence (module docstring)."""
    fresh = [r for r in view.results if r.fresh and r.status in DECISIVE]
    if any(r.status == ResultStatus.FAIL for r in fresh):
        return ControlStatus.FAILING
    if fresh:
        return ControlStatus.PASSING
    if view.manual_fresh:
        return ControlStatus.MANUAL_ONLY
    speaking = [r for r in view.results if r.status != ResultStatus.NOT_APPLICABLE]
    if speaking or view.manual_stale:
        return ControlStatus.STALE
    return ControlStatus.NOT_COVERED


def derive(org, today: dt.date | None = None) -> dict[str, ControlView]:
    """Every Annex A control of the catalog with its derived status, in catalog order."""
    today = today or timezone.localdate()
    results = _latest_results(org, today)
    manual = _manual(org, today)
    views: dict[str, ControlView] = {}
    for control in Control.objects.order_by("sort_key").only("id", "title", "theme"):
        fresh, stale, newest_manual = manual.get(control.id, (0, 0, None))
        view = ControlView(
            control_id=control.id,
            title=control.title,
            theme=control.theme,
            tests=[cls.id for cls in loader.tests_for_control(control.id)],
            results=results.get(control.id, []),
            manual_fresh=fresh,
            manual_stale=stale,
        )
        times = [r.observed_at for r in view.results if r.status != ResultStatus.NOT_APPLICABLE]
        view.newest_evidence = max(filter(None, [*times, newest_manual]), default=None)
        view.status = decide(view)
        views[control.id] = view
    return views
