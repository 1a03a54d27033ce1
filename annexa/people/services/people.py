"""The people register (7.2, 7.3, A.6.1–A.6.6): people entered one by one, imported from an HR
export, or fed by an identity provider — every change checked here, in the ledger in the same
transaction.

One person at a time (this module): ``create_person``, ``update_person`` (with the version the
editor saw, as an ``If-Match``), ``record_training``. Many at once: ``bulk.upsert_people``,
which also states the rule between HR and an identity provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import clean_text, email_of, require_member, stale_message
from annexa.ledger import services as ledger
from annexa.people.choices import PersonSource
from annexa.people.models import Person, TrainingCompletion

OBJECT_TYPE = "person"
TRAINING_OBJECT_TYPE = "training"
MANAGE = "people.manage"
BATCH = 1000
TEXT_FIELDS = {"employee_id": 100, "name": 200, "email": 254, "department": 200, "job_title": 200}
DATE_FIELDS = ("start_date", "end_date", "screened_on", "terms_signed_on")
EDITABLE = (*TEXT_FIELDS, "manager", *DATE_FIELDS, "user")
# The fields a PersonRow carries (``manager`` by e-mail address or employee id).
ROW_FIELDS = (*TEXT_FIELDS, "manager", *DATE_FIELDS)
LABELS = {
    "employee_id": "The employee id",
    "name": "The name",
    "email": "The e-mail address",
    "department": "The department",
    "job_title": "The job title",
}
COURSE_MAX = 200

# progress(done, total) while the batch is written.
Progress = Callable[[int, int], None]


class StalePersonError(Exception):
    def __init__(self, person: Person, expected: int) -> None:
        self.person = person
        super().__init__(stale_message(person.name, person, expected, "person"))


# --- one person ----------------------------------------------------------------------------


def label_of(person: Person | None) -> str | None:
    """How the ledger and exports name a person: e-mail address, else employee id, else name."""
    if person is None:
        return None
    return person.email or person.employee_id or person.name


def snapshot(person: Person, manager_label: str | None = None) -> dict[str, Any]:
    """The person as JSON-safe data for the ledger (``manager_label`` when the manager is not
    loaded, as in a batch)."""
    if manager_label is None and person.manager_id:
        manager_label = label_of(person.manager)
    return {
        **{name: getattr(person, name) for name in TEXT_FIELDS},
        "manager": manager_label,
        **{name: _iso(getattr(person, name)) for name in DATE_FIELDS},
        "user": email_of(person.user) if person.user_id else None,
        "source": person.source,
        "source_ref": person.source_ref,
    }


def create_person(
    ctx: OrgContext,
    data: Mapping[str, Any],
    *,
    source: str = PersonSource.MANUAL,
    source_ref: str = "",
) -> Person:
    """A new person from ``data`` (the ``EDITABLE`` fields: ``manager`` a ``Person`` of the
    organization, ``user`` a member, dates ``date`` objects; ``name`` required)."""
    ctx.require(MANAGE)
    _reject_unknown(data)
    with transaction.atomic():
        person = Person(
            organization=ctx.org,
            source=source,
            source_ref=clean_text(source_ref)[:300],
            updated_by=ctx.user,
        )
        _apply(ctx, person, data, creating=True)
        person.save()
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(person.uid),
            action="create",
            data={"before": None, "after": snapshot(person)},
        )
    return person


def update_person(
    ctx: OrgContext,
    person: Person,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Person:
    """Change a person (only the fields in ``changes``); a no-op when nothing differs.
    ``expected_version`` is the version the editor saw: a later one refuses the change
    (``StalePersonError``). A person changed by hand is the organization's record from then
    on (``source`` manual), so an identity provider only fills its blanks."""
    ctx.require(MANAGE)
    _reject_unknown(changes)
    with transaction.atomic():
        person = (
            Person.objects.for_org(ctx.org)
            .select_for_update(of=("self",))
            .select_related("manager", "user", "updated_by")
            .get(pk=person.pk)
        )
        if expected_version is not None and person.version != expected_version:
            raise StalePersonError(person, expected_version)
        before = snapshot(person)
        _apply(ctx, person, changes, creating=False)
        after = snapshot(person)
        changed = [k for k in after if before.get(k) != after[k]]
        if not changed:
            return person
        person.source = PersonSource.MANUAL
        person.version += 1
        person.updated_at = timezone.now()
        person.updated_by = ctx.user
        person.save()
        after = snapshot(person)
        changed = [k for k in after if before.get(k) != after[k]]
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(person.uid),
            action="update",
            data={
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
                "version": person.version,
            },
        )
        if "email" in changed or "employee_id" in changed:
            from annexa.people.services import accounts

            accounts.rematch(ctx)
    return person


def record_training(
    ctx: OrgContext,
    person: Person,
    course: str,
    completed_on: dt.date | None,
    *,
    evidence=None,
) -> TrainingCompletion:
    """That ``person`` completed ``course`` on ``completed_on`` (7.2, 7.3); ``evidence`` an
    ``Evidence`` of the organization (a certificate) or ``None``."""
    ctx.require(MANAGE)
    course = course_of(course)
    completed_on = training_date(completed_on)
    if person.organization_id != ctx.org.pk:
        raise ValidationError({"person": "Record trainings of this organization's people only."})
    if evidence is not None and evidence.organization_id != ctx.org.pk:
        raise ValidationError({"evidence": "Link evidence of this organization only."})
    with transaction.atomic():
        exists = TrainingCompletion.objects.filter(
            person=person, course=course, completed_on=completed_on
        ).exists()
        if exists:
            raise ValidationError(
                {"course": f"{person.name} already has {course} completed on {completed_on}."}
            )
        training = TrainingCompletion.objects.create(
            organization=ctx.org,
            person=person,
            course=course,
            completed_on=completed_on,
            evidence=evidence,
        )
        ledger.append(
            ctx,
            object_type=TRAINING_OBJECT_TYPE,
            object_id=str(training.uid),
            action="record",
            data=training_data(training, person),
        )
    return training


def remove_training(ctx: OrgContext, training: TrainingCompletion) -> None:
    """Take back a training completion recorded in error (the ledger keeps that it was)."""
    ctx.require(MANAGE)
    if training.organization_id != ctx.org.pk:
        raise ValidationError({"training": "A training of another organization."})
    with transaction.atomic():
        ledger.append(
            ctx,
            object_type=TRAINING_OBJECT_TYPE,
            object_id=str(training.uid),
            action="remove",
            data=training_data(training, training.person),
        )
        training.delete()


def training_data(training: TrainingCompletion, person: Person) -> dict[str, Any]:
    return {
        "person": str(person.uid),
        "person_label": label_of(person),
        "course": training.course,
        "completed_on": training.completed_on.isoformat(),
        "evidence": str(training.evidence.uid) if training.evidence_id else None,
    }


def course_of(course: Any) -> str:
    text = " ".join(clean_text(course).split())
    if not text:
        raise ValidationError({"course": "Name the course."})
    if len(text) > COURSE_MAX:
        raise ValidationError({"course": f"A course name has at most {COURSE_MAX} characters."})
    return text


def training_date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({"completed_on": "Give the date the course was completed."})
    if value > timezone.localdate():
        raise ValidationError({"completed_on": "A course cannot be completed in the future."})
    return value


def _reject_unknown(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})


def _apply(ctx: OrgContext, person: Person, data: Mapping[str, Any], *, creating: bool) -> None:
    """Set ``data`` on ``person`` after checking every field; ``ValidationError`` names each
    field that is wrong (and nothing is set)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in data or creating:
            values[name] = _field(errors, name, lambda n=name: text_value(n, data.get(n)))
    for name in DATE_FIELDS:
        if name in data:
            value = data[name]
            if value is not None and (
                not isinstance(value, dt.date) or isinstance(value, dt.datetime)
            ):
                errors[name] = "Give a date (YYYY-MM-DD)."
            values[name] = value
    names = (*TEXT_FIELDS, *DATE_FIELDS)
    merged = {name: values.get(name, getattr(person, name)) for name in names}
    errors.update({k: v for k, v in check_values(merged).items() if k not in errors})
    if "manager" in data:
        manager = data["manager"]
        if manager is not None:
            problem = _manager_problem(ctx, person, manager)
            if problem:
                errors["manager"] = problem
        values["manager"] = manager
    if "user" in data:
        user = data["user"]
        if user is not None:
            _field(errors, "user", lambda: require_member(ctx.org, user, "user"))
            holder = Person.objects.for_org(ctx.org).filter(user=user).exclude(pk=person.pk).first()
            if holder is not None and "user" not in errors:
                errors["user"] = f"{user.email} is already linked to {holder.name}."
        values["user"] = user
    for name, key in (("email", "email__iexact"), ("employee_id", "employee_id")):
        value = merged[name]
        if value and name not in errors:
            clash = Person.objects.for_org(ctx.org).filter(**{key: value}).exclude(pk=person.pk)
            holder = clash.first()
            if holder is not None:
                errors[name] = f"{LABELS[name]} {value} is already {holder.name}'s."
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(person, name, value)


def _field(errors: dict[str, str], name: str, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except ValidationError as exc:
        errors[name] = exc.message_dict[name][0] if hasattr(exc, "error_dict") else exc.messages[0]
        return None


def text_value(name: str, value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({name: "Give text."})
    text = " ".join(clean_text(value).split())
    limit = TEXT_FIELDS[name]
    if len(text) > limit:
        raise ValidationError({name: f"{LABELS[name]} has at most {limit} characters."})
    return text


def check_values(values: Mapping[str, Any]) -> dict[str, str]:
    """The problems of a person's cleaned field values taken together, by field: a name, a
    well-formed e-mail address, an end date not before the start date."""
    errors: dict[str, str] = {}
    if not values.get("name"):
        errors["name"] = "The name is required."
    email = values.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = f"{email} is not an e-mail address."
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors["end_date"] = f"The end date {end} is before the start date {start}."
    return errors


def _manager_problem(ctx: OrgContext, person: Person, manager: Any) -> str | None:
    if not isinstance(manager, Person) or manager.organization_id != ctx.org.pk:
        return "The manager must be a person of this organization."
    if person.pk is not None and manager.pk == person.pk:
        return "A person cannot be their own manager."
    # Walk up the new manager's chain: it must not lead back to this person.
    seen, current = set(), manager
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if person.pk is not None and current.manager_id == person.pk:
            return f"{manager.name} reports to {person.name} (directly or through others)."
        current = current.manager
    return None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
