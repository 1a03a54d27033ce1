"""Pass rate per Annex A theme over time: of the decisive results (pass or fail) observed on a
day by tests that speak for a theme's controls, the share that passed.

A result counts once for each theme its controls belong to. A day without any decisive
result of a theme has no rate (``None``), rather than a made-up zero or a carried-over value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from annexa.catalog.choices import Theme
from annexa.catalog.models import Control
from annexa.monitoring import loader
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.models import TestResult

DAYS = 30
DAYS_CHOICES = (30, 90)


@dataclass
class ThemeTrend:
    theme: str
    label: str
    passed: list[int] = field(default_factory=list)
    decided: list[int] = field(default_factory=list)

    @property
    def rates(self) -> list[int | None]:
        """Percent passing per day, ``None`` on days without a decisive result."""
        return [
            round(100 * p / d) if d else None
            for p, d in zip(self.passed, self.decided, strict=True)
        ]


@dataclass
class Trend:
    days: list[dt.date]
    themes: list[ThemeTrend]

    @property
    def empty(self) -> bool:
        return not any(any(t.decided) for t in self.themes)


def pass_rates(org, *, days: int = DAYS, today: dt.date | None = None) -> Trend:
    """The last ``days`` days up to ``today`` (in the site's time zone), oldest first."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    span = [first + dt.timedelta(days=n) for n in range(days)]
    index = {day: n for n, day in enumerate(span)}
    themes = {
        value: ThemeTrend(value, label, [0] * days, [0] * days) for value, label in Theme.choices
    }
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    counts = (
        TestResult.objects.for_org(org)
        .filter(observed_at__gte=start, observed_at__lt=end)
        .filter(status__in=(ResultStatus.PASS, ResultStatus.FAIL))
        .annotate(day=TruncDate("observed_at"))
        .values("day", "test_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    themes_of = _themes_of_tests()
    for row in counts:
        n = index.get(row["day"])
        if n is None:
            continue
        for theme in themes_of.get(row["test_id"], ()):
            themes[theme].decided[n] += row["n"]
            if row["status"] == ResultStatus.PASS:
                themes[theme].passed[n] += row["n"]
    return Trend(days=span, themes=list(themes.values()))


def _themes_of_tests() -> dict[str, set[str]]:
    theme_of = dict(Control.objects.values_list("id", "theme"))
    found: dict[str, set[str]] = defaultdict(set)
    for test_id, cls in loader.all_tests().items():
        for control_id in cls.control_ids:
            if control_id in theme_of:
                found[test_id].add(theme_of[control_id])
    return found
