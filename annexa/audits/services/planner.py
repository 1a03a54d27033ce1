"""The planner: proposes a cycle's internal audits, their dates and their scope, with reasons.

Rules, applied in this order (the same input always gives the same plan):

1. **Dates.** One internal audit ends ``LEAD_DAYS`` before each external milestone (stage 1,
   stage 2, surveillance 1 and 2, recertification), lasting ``DURATION_DAYS``, and never
   starting before the previous milestone. A cycle year without any audit gets one in its
   middle, so there is at least one internal audit per year.
2. **Weights.** Every item starts at weight 1. An applicable control whose SoA status is not
   started, planned or partially implemented gains 1; a requirement or control whose latest
   checklist result in an earlier audit is a nonconformity (still open) gains 1; and each
   reason a registered emphasis source gives gains 1 (the risk register: a control chosen in
   the treatment of a risk above the acceptance criteria, see ``register_emphasis_source``).
3. **Weighted items** (weight above 1) go into the last audit of every cycle year.
4. **All other items** are audited once: requirements (kept together by sub-clause) and
   controls (in catalog order) are split into contiguous, evenly sized runs, one per audit.
5. **Units** in the ISMS scope are visited once each, in rotation over the audits; a unit an
   emphasis source names (an area with high risks) is visited in the last audit of every
   cycle year instead.

Every item and unit carries the sentence that explains why it is in its audit, and the plan's
basis (``Plan.basis``, kept on the programme) lists every weighted item and unit with the facts
that raised it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from annexa.audits.choices import (
    NONCONFORMITY_RESULTS,
    AuditKind,
    ChecklistResult,
    MilestoneKind,
)
from annexa.audits.services.coverage import CONTROL, REQUIREMENT, CoverageItem, required_items

LEAD_DAYS = 14
DURATION_DAYS = 5
HIGHER_RISK_STATUSES = ("not_started", "planned", "partially_implemented")

T = TypeVar("T")


@dataclass(frozen=True)
class MilestoneDate:
    kind: str
    date: dt.date
    pk: int | None = None

    @property
    def label(self) -> str:
        return MilestoneKind(self.kind).label


@dataclass
class Weight:
    """An item's weight and the facts that raised it."""

    weight: int = 1
    factors: list[str] = field(default_factory=list)

    def add(self, factor: str) -> None:
        self.weight += 1
        self.factors.append(factor)


@dataclass
class Emphasis:
    """What an emphasis source says should be audited more often, with why: by item id (a
    control or a requirement) and by unit uid, one sentence per reason (each adds 1 to the
    weight)."""

    items: dict[str, list[str]] = field(default_factory=dict)
    units: dict[str, list[str]] = field(default_factory=dict)


EmphasisSource = Callable[[Any], Emphasis]
_EMPHASIS_SOURCES: list[EmphasisSource] = []


def register_emphasis_source(source: EmphasisSource) -> None:
    """Add a source of emphasis, called with the organization each time a plan is proposed.

    Apps above audits register theirs when Django starts (audits imports none of them): the
    risk register names the controls and areas of its risks above the acceptance criteria.
    """
    if source not in _EMPHASIS_SOURCES:
        _EMPHASIS_SOURCES.append(source)


def emphasis(org) -> Emphasis:
    """Every registered source's emphasis for ``org``, merged."""
    merged = Emphasis()
    for source in _EMPHASIS_SOURCES:
        found = source(org)
        for target, more in ((merged.items, found.items), (merged.units, found.units)):
            for key, reasons in more.items():
                target.setdefault(key, []).extend(reasons)
    return merged


@dataclass
class Slot:
    """One proposed audit: dates, the milestone it prepares for, and its scope with reasons."""

    title: str
    planned_start: dt.date
    planned_end: dt.date
    cycle_year: int
    milestone: MilestoneDate | None = None
    kind: str = AuditKind.INTERNAL_PARTIAL
    requirements: dict[str, str] = field(default_factory=dict)
    controls: dict[str, str] = field(default_factory=dict)
    units: list[tuple[object, str]] = field(default_factory=list)

    @property
    def objectives(self) -> str:
        ahead = f", ahead of the {self.milestone.label.lower()}" if self.milestone else ""
        return (
            "Confirm that the requirements and controls in scope conform to the audit criteria "
            f"and are effectively implemented and maintained{ahead}."
        )

    def add(self, item: CoverageItem, reason: str) -> None:
        target = self.requirements if item.kind == REQUIREMENT else self.controls
        target.setdefault(item.id, reason)


@dataclass
class Plan:
    slots: list[Slot]
    weights: dict[str, Weight]
    # Units visited every cycle year: name -> weight (units are named, not numbered).
    unit_weights: dict[str, Weight] = field(default_factory=dict)

    def basis(self) -> dict:
        """What the planner knew, as JSON for ``AuditProgramme.plan_basis``."""
        basis = {
            "rules": {"lead_days": LEAD_DAYS, "duration_days": DURATION_DAYS},
            "weighted": {
                item_id: {"weight": w.weight, "factors": w.factors}
                for item_id, w in sorted(self.weights.items())
                if w.weight > 1
            },
        }
        if self.unit_weights:
            basis["weighted_units"] = {
                name: {"weight": w.weight, "factors": w.factors}
                for name, w in sorted(self.unit_weights.items())
            }
        return basis


# --- dates -----------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cycle_end(start: dt.date, years: int) -> dt.date:
    return add_months(start, 12 * years) - dt.timedelta(days=1)


def default_milestones(start: dt.date) -> dict[str, dt.date]:
    """Usual dates of the external audits in a cycle that starts on ``start``."""
    offsets = {
        MilestoneKind.STAGE_1: 3,
        MilestoneKind.STAGE_2: 5,
        MilestoneKind.SURVEILLANCE_1: 17,
        MilestoneKind.SURVEILLANCE_2: 29,
        MilestoneKind.RECERTIFICATION: 35,
    }
    return {str(kind): add_months(start, months) for kind, months in offsets.items()}


def year_of(start: dt.date, day: dt.date) -> int:
    """Which cycle year (1, 2, …) ``day`` falls in."""
    year = 1
    while add_months(start, 12 * year) <= day:
        year += 1
    return year


def build_slots(start: dt.date, end: dt.date, milestones: Sequence[MilestoneDate]) -> list[Slot]:
    """Audit dates: one before each milestone, plus one in any year left without an audit."""
    slots: list[Slot] = []
    window_start = start
    for milestone in sorted(milestones, key=lambda m: (m.date, m.kind)):
        last = max(window_start, milestone.date - dt.timedelta(days=LEAD_DAYS))
        first = max(window_start, last - dt.timedelta(days=DURATION_DAYS - 1))
        slots.append(
            Slot(
                title=f"Internal audit ahead of the {milestone.label.lower()}",
                planned_start=first,
                planned_end=last,
                cycle_year=year_of(start, first),
                milestone=milestone,
            )
        )
        window_start = max(window_start, milestone.date + dt.timedelta(days=1))
    years = year_of(start, end)
    covered = {slot.cycle_year for slot in slots}
    for year in range(1, years + 1):
        if year not in covered:
            first = add_months(start, 12 * (year - 1) + 6)
            slots.append(
                Slot(
                    title=f"Internal audit, cycle year {year}",
                    planned_start=first,
                    planned_end=first + dt.timedelta(days=DURATION_DAYS - 1),
                    cycle_year=year,
                )
            )
    return sorted(slots, key=lambda s: (s.planned_start, s.title))


# --- weights ---------------------------------------------------------------------------------


def item_weights(
    org, items: Sequence[CoverageItem], emphasis_found: Emphasis | None = None
) -> dict[str, Weight]:
    """Each item's weight, with the SoA status, open nonconformities and emphasis (by default
    every registered source's) that raised it."""
    from annexa.isms.choices import ImplementationStatus
    from annexa.isms.models import SoAEntry

    weights = {item.id: Weight() for item in items}
    entries = SoAEntry.objects.for_org(org).filter(applicable=True, status__in=HIGHER_RISK_STATUSES)
    for control_id, status in entries.values_list("control_id", "status"):
        if control_id in weights:
            label = ImplementationStatus(status).label.lower()
            weights[control_id].add(f"SoA status: {label}")
    for item_id, (result, reference) in open_nonconformities(org).items():
        if item_id in weights:
            label = ChecklistResult(result).label.lower()
            weights[item_id].add(f"open {label} from {reference}")
    if emphasis_found is None:
        emphasis_found = emphasis(org)
    for item_id, reasons in sorted(emphasis_found.items.items()):
        if item_id in weights:
            for reason in reasons:
                weights[item_id].add(reason)
    return weights


def unit_weights(units: Sequence, emphasis_found: Emphasis) -> dict[str, Weight]:
    """The units that an emphasis source names, by name, with why (the others are absent)."""
    weights: dict[str, Weight] = {}
    for unit in units:
        for reason in emphasis_found.units.get(str(unit.uid), []):
            weights.setdefault(unit.name, Weight()).add(reason)
    return weights


def open_nonconformities(org) -> dict[str, tuple[str, str]]:
    """Items whose latest assessed checklist result is a nonconformity: id → (result, audit).

    A later audit that assessed the item again (with any result) supersedes it. When the
    findings and corrective-action apps track closure, they become the source of "open".
    """
    from annexa.audits.models import ChecklistItem

    rows = (
        ChecklistItem.objects.for_org(org)
        .filter(removed=False)
        .exclude(result__in=[ChecklistResult.BLANK, ChecklistResult.NOT_AUDITED])
        .order_by("audit__planned_start", "audit_id", "id")
        .values_list("requirement_id", "control_id", "result", "audit__reference")
    )
    latest: dict[str, tuple[str, str]] = {}
    for requirement_id, control_id, result, reference in rows:
        latest[requirement_id or control_id] = (result, reference)
    return {k: v for k, v in latest.items() if v[0] in NONCONFORMITY_RESULTS}


# --- scope -----------------------------------------------------------------------------------


def split_evenly(groups: Sequence[Sequence[T]], parts: int) -> list[list[T]]:
    """Contiguous runs of ``groups`` (never splitting one) of about equal size, ``parts`` of them.

    A group goes to the part where its midpoint falls, which keeps the runs in order and
    balanced within one group's size.
    """
    total = sum(len(g) for g in groups)
    result: list[list[T]] = [[] for _ in range(parts)]
    before = 0
    for group in groups:
        if total:
            index = min(parts - 1, ((2 * before + len(group)) * parts) // (2 * total))
            result[index].extend(group)
        before += len(group)
    return result


def requirement_groups(items: Sequence[CoverageItem]) -> list[list[CoverageItem]]:
    """Requirements grouped by their nearest sub-clause (``6.1.2.c`` goes with ``6.1.2``)."""
    from annexa.catalog.models import Requirement

    rows = Requirement.objects.values_list("id", "parent_id", "kind")
    parent = {rid: pid for rid, pid, _kind in rows}
    kind = {rid: k for rid, _pid, k in rows}
    groups: dict[str, list[CoverageItem]] = {}
    for item in items:
        key = item.id
        while kind.get(key) == "item" and parent.get(key):
            key = parent[key]
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def units_in_scope(org) -> list:
    """The units of the current scope statement (all units when there is none yet)."""
    from annexa.isms.models import OrgUnit, ScopeStatement

    units = OrgUnit.objects.for_org(org).order_by("name")
    scope = ScopeStatement.current(org)
    if scope is not None and scope.in_scope:
        units = units.filter(uid__in=[u["uid"] for u in scope.in_scope])
    return list(units)


def propose(org, start: dt.date, end: dt.date, milestones: Sequence[MilestoneDate]) -> Plan:
    """The proposed audits of a cycle from ``start`` to ``end`` (see the module's rules)."""
    slots = build_slots(start, end, milestones)
    items = required_items(org)
    found = emphasis(org)
    weights = item_weights(org, items, found)
    units = units_in_scope(org)
    by_unit = unit_weights(units, found)
    _place_weighted(slots, items, weights)
    _rotate(slots, [i for i in items if weights[i.id].weight == 1])
    _place_weighted_units(slots, [u for u in units if u.name in by_unit], by_unit)
    _rotate_units(slots, [u for u in units if u.name not in by_unit])
    everything = {i.id for i in items}
    for slot in slots:
        if everything and everything <= set(slot.requirements) | set(slot.controls):
            slot.kind = AuditKind.INTERNAL_FULL
    return Plan(slots=slots, weights=weights, unit_weights=by_unit)


def _last_of_each_year(slots: list[Slot]) -> list[Slot]:
    last_of_year: dict[int, Slot] = {}
    for slot in slots:
        last_of_year[slot.cycle_year] = slot
    return list(last_of_year.values())


def _place_weighted(
    slots: list[Slot], items: Sequence[CoverageItem], weights: dict[str, Weight]
) -> None:
    last_of_year = _last_of_each_year(slots)
    for item in items:
        weight = weights[item.id]
        if weight.weight == 1:
            continue
        reason = f"Weight {weight.weight} ({'; '.join(weight.factors)}): audited every cycle year."
        for slot in last_of_year:
            slot.add(item, reason)


def _place_weighted_units(slots: list[Slot], units: Sequence, weights: dict[str, Weight]) -> None:
    last_of_year = _last_of_each_year(slots)
    for unit in units:
        weight = weights[unit.name]
        reason = f"{'; '.join(weight.factors)}: visited every cycle year."
        for slot in last_of_year:
            slot.units.append((unit, reason))


def _rotate(slots: list[Slot], items: Sequence[CoverageItem]) -> None:
    count = len(slots)
    requirements = [i for i in items if i.kind == REQUIREMENT]
    controls = [[i] for i in items if i.kind == CONTROL]
    for kind_groups in (requirement_groups(requirements), controls):
        for index, run in enumerate(split_evenly(kind_groups, count)):
            for item in run:
                slots[index].add(
                    item,
                    f"Rotation ({item.group}): audited once in the cycle, in audit "
                    f"{index + 1} of {count}.",
                )


def _rotate_units(slots: list[Slot], units: Sequence) -> None:
    for index, unit in enumerate(units):
        slot = slots[index % len(slots)]
        slot.units.append((unit, "In the ISMS scope: visited once in the cycle, in rotation."))
