"""Many people at once: ``upsert_people`` takes a batch of ``PersonRow`` — the HR import and the
identity provider connectors both call it — and writes it in one transaction: people are found
by their employee id, else by their e-mail address (any case); new ones are created and known
ones changed in bulk, one ledger entry per created or changed person and per training recorded
(``ledger.services.append_many``); managers are named by e-mail address or employee id, of a
person already in the register or of another row of the same batch. A batch with any problem
writes nothing: ``PeopleRefused`` lists every problem by row (its position in the batch) and
field. Then the accounts Annexa holds are matched to the register again
(``accounts.rematch``). The checks of each value are the register's (``people``).

Who may change what (the rule between HR and an identity provider):

* An HR import or a manual edit is the record of employment: each field it gives replaces the
  stored value, a blank one included (fields an import's file has no column for are left as
  they are). The person's ``source`` becomes ``import`` or ``manual``.
* An identity provider (``source=identity``) never blanks a field, and changes a filled one
  only on people it created itself (whose ``source`` is still ``identity``); on people HR or a
  person entered it only fills blanks. So a directory's stale department never overwrites
  HR's, and a person deleted from the directory keeps the record HR gave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import clean_text
from annexa.ledger import services as ledger
from annexa.people.choices import PersonSource
from annexa.people.models import Person, TrainingCompletion
from annexa.people.services.people import (
    BATCH,
    DATE_FIELDS,
    LABELS,
    MANAGE,
    OBJECT_TYPE,
    ROW_FIELDS,
    TEXT_FIELDS,
    TRAINING_OBJECT_TYPE,
    Progress,
    check_values,
    course_of,
    label_of,
    snapshot,
    text_value,
    training_data,
    training_date,
)

# --- many people at once ------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """One person as a source gives them. ``manager`` is the manager's e-mail address or
    employee id; ``trainings`` are (course, completed on) pairs; ``source_ref`` is the record's
    id at its source (a directory's user id), kept when given."""

    name: str = ""
    email: str = ""
    employee_id: str = ""
    department: str = ""
    job_title: str = ""
    manager: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    screened_on: dt.date | None = None
    terms_signed_on: dt.date | None = None
    trainings: tuple[tuple[str, dt.date], ...] = ()
    source_ref: str = ""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of the batch's ``index``-th row (from 0)."""

    index: int
    field: str
    message: str


class PeopleRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was saved")


@dataclass
class UpsertResult:
    created: list[Person] = field(default_factory=list)
    updated: list[Person] = field(default_factory=list)
    unchanged: int = 0
    trainings: int = 0
    rematched: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "trainings": self.trainings,
            "accounts_rematched": self.rematched,
        }


def upsert_people(
    ctx: OrgContext,
    rows: Sequence[PersonRow],
    *,
    source: str,
    source_ref: str,
    fields: Collection[str] | None = None,
    progress: Progress | None = None,
    labels: Sequence[str] = (),
    check_only: bool = False,
) -> UpsertResult:
    """Create or change the people ``rows`` describe, all in one transaction or nothing
    (``PeopleRefused``). ``fields`` are the ``PersonRow`` fields the source gives (an import
    passes its file's columns; ``None``: all of them); the others are left as stored.
    ``labels`` name the rows in a duplicate's message (e.g. "row 7"); ``check_only`` checks
    the batch (``PeopleRefused``) and writes nothing. See the
    module's description for how an identity provider's rows differ from HR's."""
    ctx.require(MANAGE)
    if source not in PersonSource.values:
        raise ValueError(f"unknown person source {source!r}")
    given = set(ROW_FIELDS if fields is None else fields) & set(ROW_FIELDS)
    with transaction.atomic():
        _lock_register(ctx.org)
        batch = _Batch(ctx, source, source_ref, given, labels)
        batch.check(rows)
        if batch.problems:
            raise PeopleRefused(sorted(batch.problems, key=lambda p: (p.index, p.field)))
        if check_only:
            return UpsertResult()
        return batch.save(progress)


def _lock_register(org) -> None:
    """Serialise batch writers of one organization's register."""
    from annexa.orgs.models import Organization

    Organization.objects.select_for_update().get(pk=org.pk)


class _Batch:
    """One upsert: the register read once, each row checked against it and against the rows
    before it, then everything written in bulk."""

    def __init__(
        self,
        ctx: OrgContext,
        source: str,
        source_ref: str,
        given: set[str],
        labels: Sequence[str],
    ) -> None:
        self.ctx, self.source, self.source_ref, self.given = ctx, source, source_ref, given
        self.labels = labels
        self.identity = source == PersonSource.IDENTITY
        self.people = {p.pk: p for p in Person.objects.for_org(ctx.org).select_related("user")}
        self.by_employee_id = {p.employee_id: p for p in self.people.values() if p.employee_id}
        self.by_email = {p.email.lower(): p for p in self.people.values() if p.email}
        self.problems: list[Problem] = []
        # Each row's person (an existing one, or a new unsaved one) and its values.
        self.plan: list[tuple[int, Person, dict[str, Any], PersonRow]] = []
        self.planned: dict[int, Person] = {}  # row index → its person, for good rows
        self.batch_keys: dict[str, int] = {}  # "employee_id:…" / "email:…" → row index
        self.matched: dict[int, int] = {}  # an existing person's key → the row that found it

    # checking ---------------------------------------------------------------------------

    def check(self, rows: Sequence[PersonRow]) -> None:
        for index, row in enumerate(rows):
            self._check_row(index, row)
        self._resolve_managers()
        self._check_loops()
        self._check_unique()

    def _add(self, index: int, name: str, message: str) -> None:
        self.problems.append(Problem(index, name, message))

    def _label(self, index: int) -> str:
        return self.labels[index] if index < len(self.labels) else f"item {index + 1}"

    def _check_row(self, index: int, row: PersonRow) -> None:
        bad = len(self.problems)
        cleaned: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            try:
                cleaned[name] = text_value(name, getattr(row, name))
            except ValidationError as exc:
                self._add(index, name, exc.message_dict[name][0])
                cleaned[name] = ""
        for name in DATE_FIELDS:
            value = getattr(row, name)
            if value is not None and (
                not isinstance(value, dt.date) or isinstance(value, dt.datetime)
            ):
                self._add(index, name, "Give a date (YYYY-MM-DD).")
                value = None
            cleaned[name] = value
        cleaned["manager"] = " ".join(clean_text(row.manager).split())
        employee_id, email = cleaned["employee_id"], cleaned["email"].lower()
        if not employee_id and not email:
            self._add(index, "employee_id", "Give an employee id or an e-mail address.")
            return
        for key, name in ((employee_id, "employee_id"), (email, "email")):
            if key and f"{name}:{key}" in self.batch_keys:
                other = self.batch_keys[f"{name}:{key}"]
                self._add(index, name, f"The same {LABELS[name][4:]} is in {self._label(other)}.")
            elif key:
                self.batch_keys[f"{name}:{key}"] = index
        person = self._match(index, employee_id, email)
        if person is not None:
            other = self.matched.setdefault(person.pk, index)
            if other != index:
                self._add(
                    index,
                    "employee_id" if employee_id else "email",
                    f"{self._label(other)} is the same person ({person.name}).",
                )
        for course, completed_on in row.trainings:
            try:
                course_of(course)
                training_date(completed_on)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self._add(index, name, messages[0])
        if len(self.problems) > bad:
            return
        values = self._values(person, cleaned)
        merged = {
            name: values.get(name, getattr(person, name) if person else None)
            for name in (*TEXT_FIELDS, *DATE_FIELDS)
        }
        for name, message in check_values(merged).items():
            self._add(index, name, message)
        if len(self.problems) > bad:
            return
        if person is None:
            person = Person(
                organization=self.ctx.org,
                source=self.source,
                source_ref=(clean_text(row.source_ref) or self.source_ref)[:300],
                updated_by=self.ctx.user,
            )
        self.planned[index] = person
        self.plan.append((index, person, values, row))

    def _match(self, index: int, employee_id: str, email: str) -> Person | None:
        if employee_id and employee_id in self.by_employee_id:
            person = self.by_employee_id[employee_id]
            holder = self.by_email.get(email) if email else None
            if holder is not None and holder.pk != person.pk:
                self._add(
                    index,
                    "email",
                    f"{email} is {holder.name}'s address, not that of employee {employee_id}.",
                )
            return person
        person = self.by_email.get(email) if email else None
        if person is not None and employee_id and person.employee_id:
            self._add(
                index,
                "employee_id",
                f"{email} belongs to employee {person.employee_id} ({person.name}), "
                f"not {employee_id}.",
            )
        return person

    def _values(self, person: Person | None, cleaned: dict[str, Any]) -> dict[str, Any]:
        """The fields this row sets on ``person`` (``None``: a new one), under the rule of
        its source (see the module's description)."""
        values: dict[str, Any] = {}
        for name in (*TEXT_FIELDS, *DATE_FIELDS, "manager"):
            if name not in self.given:
                continue
            value = cleaned[name]
            if person is None:
                values[name] = value
                continue
            if name == "manager":
                current = label_of(self.people.get(person.manager_id))
            else:
                current = getattr(person, name)
            if self.identity:
                if value in ("", None):
                    continue
                if current not in ("", None) and person.source != PersonSource.IDENTITY:
                    continue
            values[name] = value
        return values

    def _resolve_managers(self) -> None:
        for index, person, values, _row in self.plan:
            if "manager" not in values:
                continue
            key = values["manager"]
            if not key:
                values["manager"] = None
                continue
            planned = self.batch_keys.get(f"employee_id:{key}")
            if planned is None:
                planned = self.batch_keys.get(f"email:{key.lower()}")
            if planned is not None:
                if planned not in self.planned:
                    continue  # that row has problems of its own, listed already
                target = self.planned[planned]
            else:
                target = self.by_employee_id.get(key) or self.by_email.get(key.lower())
            if target is person:
                self._add(index, "manager", "A person cannot be their own manager.")
            elif target is None:
                self._add(
                    index,
                    "manager",
                    f"No person with the e-mail address or employee id {key} in the register "
                    "or in this file.",
                )
            else:
                values["manager"] = target

    def _check_loops(self) -> None:
        """No one ends up managing themselves through others once the batch is in."""
        boss: dict[int, Person | None] = {
            id(p): self.people.get(p.manager_id) for p in self.people.values()
        }
        for _index, person, values, _row in self.plan:
            if "manager" in values and not isinstance(values["manager"], str):
                boss[id(person)] = values["manager"]
        safe: set[int] = set()  # chains known to end at someone without a manager
        for index, person, values, _row in self.plan:
            current, seen = boss.get(id(person)), {id(person)}
            while current is not None and id(current) not in seen and id(current) not in safe:
                seen.add(id(current))
                current = boss.get(id(current))
            if current is None or id(current) in safe:
                safe |= seen
            elif current is person and "manager" in values:
                self._add(
                    index,
                    "manager",
                    f"{person.name} would manage themselves through others: check the "
                    "managers of this chain.",
                )

    def _check_unique(self) -> None:
        """Every e-mail address and employee id held by one person once the batch is in."""
        planned = {id(person) for _i, person, _v, _r in self.plan}
        for name, fold in (("email", str.lower), ("employee_id", str)):
            holders = {
                fold(getattr(p, name)): p
                for p in self.people.values()
                if getattr(p, name) and id(p) not in planned
            }
            for index, person, values, _row in self.plan:
                value = values.get(name, getattr(person, name))
                if not value:
                    continue
                holder = holders.get(fold(value))
                if holder is not None and holder is not person:
                    self._add(index, name, f"{LABELS[name]} {value} is already {holder.name}'s.")
                holders.setdefault(fold(value), person)

    # saving -----------------------------------------------------------------------------

    def save(self, progress: Progress | None) -> UpsertResult:
        from annexa.ledger.services import Record

        result = UpsertResult()
        now = timezone.now()
        new, changed, records = [], [], []
        befores: dict[int, dict[str, Any]] = {}
        labels = {p.pk: label_of(p) for p in self.people.values()}
        addresses_moved = False
        for _index, person, values, _row in self.plan:
            if person.pk is None:
                for name, value in values.items():
                    setattr(person, name, value)
                person.created_at = person.updated_at = now
                new.append(person)
                continue
            before = snapshot(person, labels.get(person.manager_id))
            manager = values.get("manager", self.people.get(person.manager_id))
            for name, value in values.items():
                if name != "manager":
                    setattr(person, name, value)
            person.manager = manager
            after = snapshot(person, self._manager_label(manager, labels))
            diff = [k for k in after if before[k] != after[k]]
            if not diff:
                result.unchanged += 1
                continue
            if not self.identity:
                person.source = self.source
            person.version += 1
            person.updated_at, person.updated_by = now, self.ctx.user
            befores[id(person)] = before
            addresses_moved |= before["email"] != after["email"]
            changed.append(person)
        # New people first (their keys are needed by managers among them), then managers.
        managers = {id(p): p.manager for p in new}
        for person in new:
            person.manager = None
        Person.objects.bulk_create(new, batch_size=BATCH)
        for person in new:
            person.manager = managers[id(person)]
        later = [p for p in new if p.manager is not None]
        Person.objects.bulk_update(later, ["manager"], batch_size=BATCH)
        columns = [*TEXT_FIELDS, "manager", *DATE_FIELDS, "source", "version"]
        columns += ["updated_at", "updated_by"]
        Person.objects.bulk_update(changed, columns, batch_size=BATCH)
        labels.update({p.pk: label_of(p) for p in new})
        for person in new:
            after = snapshot(person, labels.get(person.manager_id))
            records.append(
                Record(
                    OBJECT_TYPE,
                    str(person.uid),
                    "create",
                    {"before": None, "after": after, "source": self.source},
                )
            )
        for person in changed:
            before = befores[id(person)]
            after = snapshot(person, labels.get(person.manager_id))
            diff = [k for k in after if before[k] != after[k]]
            records.append(
                Record(
                    OBJECT_TYPE,
                    str(person.uid),
                    "update",
                    {
                        "before": {k: before[k] for k in diff},
                        "after": {k: after[k] for k in diff},
                        "version": person.version,
                        "source": self.source,
                    },
                )
            )
        trainings = self._trainings()
        records += [
            Record(TRAINING_OBJECT_TYPE, str(t.uid), "record", training_data(t, t.person))
            for t in trainings
        ]
        _append(self.ctx, records, progress)
        result.created, result.updated, result.trainings = new, changed, len(trainings)
        if new or addresses_moved:
            from annexa.people.services import accounts

            result.rematched = accounts.rematch(self.ctx)
        return result

    @staticmethod
    def _manager_label(manager: Person | None, labels: dict[int, str | None]) -> str | None:
        if manager is None:
            return None
        return labels.get(manager.pk) if manager.pk else label_of(manager)

    def _trainings(self) -> list[TrainingCompletion]:
        known = set(
            TrainingCompletion.objects.for_org(self.ctx.org).values_list(
                "person_id", "course", "completed_on"
            )
        )
        found = []
        for _index, person, _values, row in self.plan:
            for course, completed_on in row.trainings:
                key = (person.pk, course_of(course), completed_on)
                if key in known:
                    continue
                known.add(key)
                found.append(
                    TrainingCompletion(
                        organization=self.ctx.org,
                        person=person,
                        course=key[1],
                        completed_on=completed_on,
                    )
                )
        TrainingCompletion.objects.bulk_create(found, batch_size=BATCH)
        return found


def _append(ctx: OrgContext, records: list, progress: Progress | None) -> None:
    step = 500
    if progress is not None and not records:
        progress(0, 0)
    for start in range(0, len(records), step):
        chunk = records[start : start + step]
        ledger.append_many(ctx, chunk)
        if progress is not None:
            progress(start + len(chunk), len(records))
