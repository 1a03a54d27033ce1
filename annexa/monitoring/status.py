"""A control's automated status: the one source every page, API, report and job reads.

``derive`` is the only code that decides a control's status; the grid, the control and
coverage pages, the run pages, the API, the readiness dashboard, the management review and
the recorded transitions (``services.status.refresh``) all take it from here.

Two kinds of automated result speak for a control, and they are kept apart (``results`` and
``rules``), never added into one count:

- **control tests**: the latest result of every Annexa test that speaks for it (one per
  system and test);
- **scanner rules**: the tool's own rule and check results (OpenSCAP, Lynis, Prowler) that
  Annexa's reviewed mapping says test the control, from the latest evaluated file of each
  system (stream). A rule that only *cites* the control through the tool's broad references
  ("related") is never among them, so it can never make the control pass. Only pass and fail
  decide; a rule that errored is like a test that errored; the rest (not applicable, manual
  check, muted, not checked, informational, ran with no finding) say nothing.

Looking at both, and at the uploaded evidence linked to the control:

- **failing**: a control test or a scanner rule on fresh evidence failed;
- **passing**: one of them passed on fresh evidence, and none failed;
- **manual only**: nothing automated decides on fresh evidence, but fresh uploaded evidence
  is linked;
- **stale**: there are results or linked evidence, but none is fresh enough to decide (this
  includes tests and rules that could only report an error);
- **not covered**: nothing speaks for the control (no result, or only results that say
  nothing).

Evidence is fresh until its ``valid_until`` date (connectors set it from their validity). When
the latest file of a system could not be read at all, its tests report errors and it has no
rule results: earlier files of that system no longer count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Value
from django.utils import timezone

from annexa.catalog.models import Control
from annexa.evidence import summaries
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence
from annexa.monitoring import loader
from annexa.monitoring.choices import ControlStatus, ResultStatus
from annexa.monitoring.models import TestResult, TestRun

DECISIVE = (ResultStatus.PASS, ResultStatus.FAIL)
# Scanner rule results that speak for a control (``connectors.mapping.STATUSES``): pass and
# fail decide, an error says the rule could not tell; the others say nothing about it.
RULE_SPEAKING = ("pass", "fail", "error")
# The latest result of each test on each system, written ``is_latest = true``: Django writes
# ``is_latest=True`` as the bare column, which SQLite (without ANALYZE statistics) answers by
# reading every result of the organization instead of the (organization, is_latest) index.
LATEST_RESULT = Q(is_latest=Value(True))


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
class RuleView:
    """The scanner rule results about one control in the latest file of one system."""

    run_id: int
    kind: str
    stream: str
    counts: dict[str, int]  # per ``connectors.mapping.STATUSES``
    observed_at: dt.datetime
    valid_until: dt.date | None
    fresh: bool

    @property
    def status(self) -> str:
        """What these rules say of the control: fail, pass, error, or not applicable
        (nothing that speaks, as for a test that does not apply)."""
        for status in (ResultStatus.FAIL, ResultStatus.PASS, ResultStatus.ERROR):
            if self.counts.get(status):
                return status
        return ResultStatus.NOT_APPLICABLE

    @property
    def other(self) -> int:
        """Results that say nothing about the control (not applicable, manual check, …)."""
        return sum(n for key, n in self.counts.items() if key not in RULE_SPEAKING)


@dataclass
class ControlView:
    """Everything the grid, the coverage page and the API show about one control."""

    control_id: str
    title: str
    theme: str
    status: str = ControlStatus.NOT_COVERED
    tests: list[str] = field(default_factory=list)  # tests that could speak for it
    results: list[ResultView] = field(default_factory=list)  # control tests
    rules: list[RuleView] = field(default_factory=list)  # scanner rules, per system
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
        return _deciding(self.results)

    @property
    def automated_stale(self) -> int:
        """Latest results whose evidence is past its validity (or that only errored)."""
        return _not_deciding(self.results)

    @property
    def scanned_by(self) -> list[str]:
        """Systems whose scanner rules passed or failed this control."""
        return sorted({r.stream for r in self.rules if r.status in DECISIVE})

    @property
    def rules_fresh(self) -> int:
        """Systems whose latest scanner rules about this control decide: fresh, pass or fail."""
        return _deciding(self.rules)

    @property
    def rules_stale(self) -> int:
        """Systems whose scanner rules about it are past their validity (or only errored)."""
        return _not_deciding(self.rules)

    @property
    def evidence_age_days(self) -> int | None:
        if self.newest_evidence is None:
            return None
        return (timezone.now() - self.newest_evidence).days


def _deciding(found: list[ResultView] | list[RuleView]) -> int:
    return sum(1 for r in found if r.fresh and r.status in DECISIVE)


def _not_deciding(found: list[ResultView] | list[RuleView]) -> int:
    """Results that speak but cannot decide: stale, or only an error."""
    return sum(
        1
        for r in found
        if r.status != ResultStatus.NOT_APPLICABLE and not (r.fresh and r.status in DECISIVE)
    )


def _is_fresh(valid_until: dt.date | None, today: dt.date) -> bool:
    return valid_until is None or valid_until >= today


def _latest_results(org, today: dt.date) -> dict[str, list[ResultView]]:
    by_control: dict[str, list[ResultView]] = {}
    rows = (
        TestResult.objects.for_org(org)
        .filter(LATEST_RESULT)
        .order_by("test_id", "stream")
        .values_list(
            "test_id", "stream", "status", "reason", "observed_at", "valid_until", "control_ids"
        )
    )
    for test_id, stream, status, reason, observed_at, valid_until, control_ids in rows:
        view = ResultView(
            test_id=test_id,
            stream=stream,
            status=status,
            reason=reason,
            observed_at=observed_at,
            valid_until=valid_until,
            fresh=_is_fresh(valid_until, today),
        )
        for control_id in control_ids:
            by_control.setdefault(control_id, []).append(view)
    return by_control


def _latest_rules(org, today: dt.date) -> dict[str, list[RuleView]]:
    """Per control: the scanner rule counts of the latest evaluated file of each system."""
    by_control: dict[str, list[RuleView]] = {}
    rows = (
        TestRun.objects.for_org(org)
        .filter(is_latest=True)
        .order_by("stream")
        .values_list(
            "pk", "kind", "stream", "observed_at", "version__valid_until", "summary__controls"
        )
    )
    for pk, kind, stream, observed_at, valid_until, controls in rows:
        fresh = _is_fresh(valid_until, today)
        for control_id, counts in (controls or {}).items():
            by_control.setdefault(control_id, []).append(
                RuleView(pk, kind, stream, counts, observed_at, valid_until, fresh)
            )
    return by_control


def _manual(org, today: dt.date) -> dict[str, tuple[int, int, dt.datetime | None]]:
    """Per control: (fresh count, stale count, newest collection time) of uploaded evidence,
    counted by the database (one row per control, whatever the number of evidence items) and
    kept until the evidence changes (``evidence.summaries``)."""
    return summaries.cached(org, "manual", (today,), lambda: _count_manual(org, today))


def _count_manual(org, today: dt.date) -> dict[str, tuple[int, int, dt.datetime | None]]:
    valid_until = "current_version__valid_until"
    fresh = Q(**{f"{valid_until}__isnull": True}) | Q(**{f"{valid_until}__gte": today})
    rows = (
        Evidence.objects.for_org(org)
        .filter(current_version__source=Source.UPLOAD, controls__isnull=False)
        .order_by()
        .values("controls__id")
        .annotate(
            fresh=Count("pk", filter=fresh),
            stale=Count("pk", filter=Q(**{f"{valid_until}__lt": today})),
            newest=Max("current_version__collected_at"),
        )
        .values_list("controls__id", "fresh", "stale", "newest")
    )
    return {control_id: (n_fresh, n_stale, newest) for control_id, n_fresh, n_stale, newest in rows}


def decide(view: ControlView) -> str:
    """The status of one control from its control tests, scanner rules and manual evidence
    (module docstring)."""
    automated = [*view.results, *view.rules]
    fresh = [r for r in automated if r.fresh and r.status in DECISIVE]
    if any(r.status == ResultStatus.FAIL for r in fresh):
        return ControlStatus.FAILING
    if fresh:
        return ControlStatus.PASSING
    if view.manual_fresh:
        return ControlStatus.MANUAL_ONLY
    speaking = [r for r in automated if r.status != ResultStatus.NOT_APPLICABLE]
    if speaking or view.manual_stale:
        return ControlStatus.STALE
    return ControlStatus.NOT_COVERED


def derive(
    org, today: dt.date | None = None, control_ids: Iterable[str] | None = None
) -> dict[str, ControlView]:
    """Every Annex A control of the catalog (or those of ``control_ids``) with its derived
    status, in catalog order. Four queries, whatever the number of results and systems."""
    today = today or timezone.localdate()
    results = _latest_results(org, today)
    rules = _latest_rules(org, today)
    manual = _manual(org, today)
    views: dict[str, ControlView] = {}
    controls = Control.objects.order_by("sort_key").only("id", "title", "theme")
    if control_ids is not None:
        controls = controls.filter(id__in=list(control_ids))
    for control in controls:
        fresh, stale, newest_manual = manual.get(control.id, (0, 0, None))
        view = ControlView(
            control_id=control.id,
            title=control.title,
            theme=control.theme,
            tests=[cls.id for cls in loader.tests_for_control(control.id)],
            results=results.get(control.id, []),
            rules=rules.get(control.id, []),
            manual_fresh=fresh,
            manual_stale=stale,
        )
        times = [
            r.observed_at
            for r in [*view.results, *view.rules]
            if r.status != ResultStatus.NOT_APPLICABLE
        ]
        view.newest_evidence = max(filter(None, [*times, newest_manual]), default=None)
        view.status = decide(view)
        views[control.id] = view
    return views
