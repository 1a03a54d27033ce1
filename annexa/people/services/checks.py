"""Joiner and leaver checks (A.6.1, A.6.2, A.6.3, A.6.5, A.5.18, 7.2, 7.3), and the lists they
give as populations for audit sampling.

Joiners
    Everyone whose start date falls in the last ``joiner_window_days`` days (the
    organization's ``PeopleSettings``; 90 by default) and today or before. For each: screening
    is due ``screening_days`` after the start (0: by the first day, a negative number: before
    it), the terms of employment likewise with ``terms_days``, and the security awareness
    course (``training_course``, or any course when blank) within ``training_days``. A check is
    a **gap** when it was done late, or not done and its due date has passed; not done before
    its due date is **pending**, not yet a gap.

Leavers
    Everyone whose end date has passed, with the accounts they still hold enabled in any
    system Annexa reads (``Account`` rows still present and enabled). A leaver with such an
    account is a gap, however long ago they left; the population holds every leaver of the
    window and every older leaver with an account still enabled.

``save_population`` stores either list as a CSV evidence item linked to its controls and
clauses; the first column names each person once, so the sampling feature draws from it
(``audits.services.sampling``, a population from an evidence version).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core import spreadsheets
from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger
from annexa.people.models import Account, PeopleSettings, Person, TrainingCompletion
from annexa.people.services.people import MANAGE

SETTINGS_OBJECT_TYPE = "people_settings"
SETTINGS_FIELDS = (
    "screening_days",
    "terms_days",
    "training_days",
    "training_course",
    "joiner_window_days",
)
SETTINGS_LIMITS = {
    "screening_days": (-365, 365),
    "terms_days": (-365, 365),
    "training_days": (0, 365),
    "joiner_window_days": (1, 3660),
}
KINDS = ("joiners", "leavers")
CONTROLS = {"joiners": ("A.6.1", "A.6.2", "A.6.3"), "leavers": ("A.6.5", "A.5.18", "A.5.15")}
REQUIREMENTS = {"joiners": ("7.2", "7.3"), "leavers": ()}
TITLES = {"joiners": "Joiners", "leavers": "Leavers"}
GAP, PENDING, DONE = "gap", "pending", "done"
CHECKS = ("screening", "terms", "training")


# --- settings --------------------------------------------------------------------------------


def settings_for(org) -> PeopleSettings:
    """The organization's settings (the defaults, unsaved, until a manager changes them)."""
    found = PeopleSettings.objects.for_org(org).first()
    return found or PeopleSettings(organization=org)


def update_settings(
    ctx: OrgContext, changes: Mapping[str, Any], *, expected_version: int | None = None
) -> PeopleSettings:
    ctx.require(MANAGE)
    unknown = sorted(set(changes) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "training_course":
            text = " ".join(str(value or "").split())
            if len(text) > 200:
                errors[name] = "A course name has at most 200 characters."
            values[name] = text
            continue
        low, high = SETTINGS_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = f"Give a whole number of days from {low} to {high}."
        values[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        PeopleSettings.objects.bulk_create(
            [PeopleSettings(organization=ctx.org)], ignore_conflicts=True
        )
        current = PeopleSettings.objects.select_for_update().get(organization=ctx.org)
        if expected_version is not None and current.version != expected_version:
            raise ValidationError(
                {
                    "__all__": "The settings were changed by someone else since you opened "
                    "them; nothing was saved. Reload and apply your change again."
                }
            )
        before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        for name, value in values.items():
            setattr(current, name, value)
        after = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return current
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        ledger.append(
            ctx,
            object_type=SETTINGS_OBJECT_TYPE,
            object_id=str(current.uid),
            action="update",
            data={
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
                "version": current.version,
            },
        )
    return current


# --- joiners ---------------------------------------------------------------------------------


@dataclass
class Check:
    """One joiner check: when it was due, when it was done, and its state."""

    due: dt.date
    done: dt.date | None
    state: str


@dataclass
class Joiner:
    person: Person
    checks: dict[str, Check]

    @property
    def gaps(self) -> list[str]:
        return [name for name in CHECKS if self.checks[name].state == GAP]


def joiners(org, *, today: dt.date | None = None, gaps_only: bool = False) -> list[Joiner]:
    """The joiners of the window with their three checks (``gaps_only``: those with a gap)."""
    today = today or timezone.localdate()
    rules = settings_for(org)
    since = today - dt.timedelta(days=rules.joiner_window_days)
    found = list(
        Person.objects.for_org(org)
        .filter(start_date__gte=since, start_date__lte=today)
        .order_by("start_date", "name", "pk")
    )
    course = rules.training_course.lower()
    trained: dict[int, list[dt.date]] = defaultdict(list)
    completions = TrainingCompletion.objects.filter(person__in=[p.pk for p in found])
    for person_id, name, completed_on in completions.values_list(
        "person_id", "course", "completed_on"
    ):
        if not course or name.lower() == course:
            trained[person_id].append(completed_on)
    result = []
    for person in found:
        start = person.start_date
        first_training = min((d for d in trained[person.pk] if d >= _earliest(start)), default=None)
        checks = {
            "screening": _check(start, rules.screening_days, person.screened_on, today),
            "terms": _check(start, rules.terms_days, person.terms_signed_on, today),
            "training": _check(start, rules.training_days, first_training, today),
        }
        joiner = Joiner(person, checks)
        if not gaps_only or joiner.gaps:
            result.append(joiner)
    return result


def _earliest(start: dt.date) -> dt.date:
    """A course taken up to a year before the start (a rehire, a contractor) still counts."""
    return start - dt.timedelta(days=365)


def _check(start: dt.date, days: int, done: dt.date | None, today: dt.date) -> Check:
    due = start + dt.timedelta(days=days)
    if done is not None:
        return Check(due, done, DONE if done <= due else GAP)
    return Check(due, None, GAP if today > due else PENDING)


# --- leavers ---------------------------------------------------------------------------------


@dataclass
class Leaver:
    person: Person
    accounts: list[Account] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return bool(self.accounts)


def leavers(org, *, today: dt.date | None = None, gaps_only: bool = False) -> list[Leaver]:
    """Leavers of the window, and older leavers with an account still enabled (``gaps_only``:
    only those with an account still enabled)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=settings_for(org).joiner_window_days)
    enabled: dict[int, list[Account]] = defaultdict(list)
    still = Account.objects.for_org(org).filter(
        person__end_date__lte=today, enabled=True, present=True
    )
    for account in still.order_by("system", "username"):
        enabled[account.person_id].append(account)
    found = (
        Person.objects.for_org(org).filter(end_date__lte=today).order_by("-end_date", "name", "pk")
    )
    result = []
    for person in found:
        accounts = enabled.get(person.pk, [])
        if accounts or (not gaps_only and person.end_date >= since):
            result.append(Leaver(person, accounts))
    return result


# --- populations -----------------------------------------------------------------------------


def record_label(person: Person) -> str:
    """How a population names a person, unique in the register: the name with the employee
    id, else the e-mail address, else the record's own id."""
    key = person.employee_id or person.email or str(person.uid)[:8]
    return f"{person.name} ({key})"


JOINER_COLUMNS = (
    "person",
    "department",
    "start_date",
    "screening_due",
    "screened_on",
    "screening",
    "terms_due",
    "terms_signed_on",
    "terms",
    "training_due",
    "trained_on",
    "training",
    "gaps",
)
LEAVER_COLUMNS = ("person", "department", "end_date", "accounts_still_enabled", "systems")


def joiner_rows(found: list[Joiner]) -> list[list[object]]:
    rows = []
    for joiner in found:
        person, checks = joiner.person, joiner.checks
        row: list[object] = [record_label(person), person.department, _iso(person.start_date)]
        for name in CHECKS:
            row += [_iso(checks[name].due), _iso(checks[name].done), checks[name].state]
        row.append(", ".join(joiner.gaps))
        rows.append(row)
    return rows


def leaver_rows(found: list[Leaver]) -> list[list[object]]:
    return [
        [
            record_label(leaver.person),
            leaver.person.department,
            _iso(leaver.person.end_date),
            len(leaver.accounts),
            ", ".join(sorted({f"{a.system}: {a.username}" for a in leaver.accounts})),
        ]
        for leaver in found
    ]


def population_csv(org, kind: str, *, today: dt.date | None = None) -> bytes:
    if kind == "joiners":
        return spreadsheets.write_csv(JOINER_COLUMNS, joiner_rows(joiners(org, today=today)))
    if kind == "leavers":
        return spreadsheets.write_csv(LEAVER_COLUMNS, leaver_rows(leavers(org, today=today)))
    raise ValueError(f"unknown population {kind!r}; use one of {', '.join(KINDS)}")


def save_population(ctx: OrgContext, kind: str, *, today: dt.date | None = None):
    """Store the ``kind`` list ("joiners" or "leavers") as it stands today as a CSV evidence
    item linked to its controls and clauses; returns the ``EvidenceVersion``. Refused when the
    list is empty (a population needs at least one record)."""
    from annexa.catalog.models import Control, Requirement
    from annexa.evidence import services as evidence
    from annexa.evidence.choices import Source

    today = today or timezone.localdate()
    data = population_csv(ctx.org, kind, today=today)
    if data.count(b"\r\n") < 2:
        raise ValidationError(
            {"kind": f"There are no {kind} to sample from: the population would be empty."}
        )
    rules = settings_for(ctx.org)
    controls = Control.objects.filter(id__in=CONTROLS[kind]).values_list("id", flat=True)
    requirements = Requirement.objects.filter(id__in=REQUIREMENTS[kind])
    if kind == "joiners":
        basis = (
            f"people who started in the {rules.joiner_window_days} days before; screening due "
            f"{rules.screening_due}, terms {rules.terms_due} and training "
            f"{rules.training_days} days after the start"
        )
    else:
        basis = (
            f"people who left in the {rules.joiner_window_days} days before, and earlier "
            "leavers with an account still enabled"
        )
    description = (
        f"{TITLES[kind]} as of {today:%Y-%m-%d}: {basis}. The first column names each person "
        "once: sample from it."
    )
    return evidence.store(
        ctx,
        filename=f"{kind}-{ctx.org.slug}-{today:%Y-%m-%d}.csv",
        chunks=[data],
        title=f"{TITLES[kind]} population {today:%Y-%m-%d}",
        description=description,
        controls=list(controls),
        requirements=list(requirements.values_list("id", flat=True)),
        source=Source.IMPORT,
        source_detail="Annexa people register",
        effective_date=today,
    )


def as_data(org, *, gaps_only: bool) -> dict:
    """The checks as JSON-safe data (the API's answer and the CLI's ``--format json``)."""
    joiner_list = [
        {
            "person": record_label(j.person),
            "id": j.person.pk,
            "start_date": j.person.start_date.isoformat(),
            **{
                name: {
                    "due": c.due.isoformat(),
                    "done": c.done.isoformat() if c.done else None,
                    "state": c.state,
                }
                for name, c in j.checks.items()
            },
            "gaps": j.gaps,
        }
        for j in joiners(org, gaps_only=gaps_only)
    ]
    leaver_list = [
        {
            "person": record_label(leaver.person),
            "id": leaver.person.pk,
            "end_date": leaver.person.end_date.isoformat(),
            "accounts": [f"{a.system}: {a.username}" for a in leaver.accounts],
        }
        for leaver in leavers(org, gaps_only=gaps_only)
    ]
    return {"joiners": joiner_list, "leavers": leaver_list}


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
