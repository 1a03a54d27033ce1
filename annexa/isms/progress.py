"""How far an objective has come: its latest measurement, the trend, and the target.

Read-only, shared by the Objectives page, the API and the management review's input on the
fulfilment of objectives, so the three always agree on "met" and "improving".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from annexa.isms.choices import TargetDirection
from annexa.isms.models import Objective, ObjectiveMeasurement

IMPROVING, WORSENING, UNCHANGED = "improving", "worsening", "unchanged"


def number_text(value: Decimal | None) -> str:
    """``Decimal("95.5000")`` → ``"95.5"``, ``Decimal("100")`` → ``"100"``; None → ``""``."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def with_unit(value: Decimal | None, unit: str) -> str:
    text = number_text(value)
    if not text or not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


@dataclass
class Progress:
    """One objective with its measurements, oldest first."""

    objective: Objective
    measurements: list[ObjectiveMeasurement] = field(default_factory=list)

    @property
    def latest(self) -> ObjectiveMeasurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def numeric(self) -> list[ObjectiveMeasurement]:
        return [m for m in self.measurements if m.value is not None]

    @property
    def latest_value(self) -> ObjectiveMeasurement | None:
        numeric = self.numeric
        return numeric[-1] if numeric else None

    @property
    def trend(self) -> str | None:
        """The last two values compared, in the target's sense of better; None before two."""
        numeric = self.numeric
        if len(numeric) < 2:
            return None
        before, now = numeric[-2].value, numeric[-1].value
        if now == before:
            return UNCHANGED
        higher_is_better = self.objective.direction != TargetDirection.AT_MOST
        return IMPROVING if (now > before) == higher_is_better else WORSENING

    @property
    def target_met(self) -> bool | None:
        """Whether the latest value reaches the numeric target; None without either."""
        target, latest = self.objective.target_value, self.latest_value
        if target is None or latest is None:
            return None
        if self.objective.direction == TargetDirection.AT_MOST:
            return latest.value <= target
        return latest.value >= target

    def value_text(self, measurement: ObjectiveMeasurement | None) -> str:
        if measurement is None:
            return ""
        return with_unit(measurement.value, self.objective.unit)

    @property
    def target_text(self) -> str:
        """The numeric target as a sentence fragment: ``at most 5%``; empty without one."""
        value = with_unit(self.objective.target_value, self.objective.unit)
        if not value:
            return ""
        word = "at most" if self.objective.direction == TargetDirection.AT_MOST else "at least"
        return f"{word} {value}"

    @property
    def latest_text(self) -> str:
        """The latest value and when it was measured (or the latest note's date)."""
        latest = self.latest_value or self.latest
        if latest is None:
            return ""
        value = self.value_text(latest)
        when = f"{latest.measured_on:%Y-%m-%d}"
        return f"{value} on {when}" if value else f"note of {when}"


def progress_of(objectives: Iterable[Objective]) -> dict[int, Progress]:
    """Each objective's progress by pk, with its measurements read in one query."""
    found = {o.pk: Progress(o) for o in objectives}
    measurements = ObjectiveMeasurement.objects.filter(objective_id__in=list(found)).order_by(
        "measured_on", "recorded_at", "id"
    )
    by_objective: dict[int, list[ObjectiveMeasurement]] = defaultdict(list)
    for measurement in measurements.select_related("recorded_by"):
        by_objective[measurement.objective_id].append(measurement)
    for pk, progress in found.items():
        progress.measurements = by_objective[pk]
    return found
