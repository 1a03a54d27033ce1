"""Information security objectives (clause 6.2): create, change, measure, withdraw.

Every change is checked (``isms.change``), validated with messages that name the field, and
written to the ledger under the objective's uid in the same transaction, so the objective's
history — including each measurement — is one list of ledger entries. The management review
reads that history for "changed since the previous review".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.choices import ObjectiveStatus
from annexa.isms.models import Objective, ObjectiveMeasurement
from annexa.isms.progress import number_text
from annexa.isms.services.common import (
    PERMISSION,
    changed_fields,
    clean_text,
    email_of,
    record,
    reject_unknown,
    require_member,
    stale_message,
)
from annexa.orgs.models import User

OBJECT_TYPE = "objective"
EDITABLE = (
    "title",
    "serves",
    "control",
    "measure",
    "target",
    "target_value",
    "unit",
    "direction",
    "owner",
    "due_date",
    "status",
)
TEXT_FIELDS = ("title", "serves", "measure", "target", "unit")
REQUIRED = {
    "title": "Give the objective a title.",
    "measure": "Say how progress is measured.",
    "target": "State the target the objective aims for.",
    "owner": "Name the member responsible for the objective.",
    "due_date": "Say by when the objective is to be achieved.",
}


class StaleObjectiveError(Exception):
    """The objective changed since the caller read it; saving would overwrite someone's work."""

    def __init__(self, objective: Objective, expected: int) -> None:
        self.objective = objective
        self.expected = expected
        super().__init__(stale_message(objective.reference, objective, expected, "objective"))


def snapshot(objective: Objective) -> dict[str, Any]:
    """The objective as JSON-safe data (people by e-mail, numbers as text) for the ledger."""
    return {
        "title": objective.title,
        "serves": objective.serves,
        "control": objective.control_id,
        "measure": objective.measure,
        "target": objective.target,
        "target_value": number_text(objective.target_value) or None,
        "unit": objective.unit,
        "direction": objective.direction,
        "owner": email_of(objective.owner),
        "due_date": objective.due_date.isoformat() if objective.due_date else None,
        "status": objective.status,
    }


def create_objective(ctx: OrgContext, data: Mapping[str, Any]) -> Objective:
    """A new objective with the next free number (``OBJ-01``, ``OBJ-02``…)."""
    ctx.require(PERMISSION)
    reject_unknown(data, EDITABLE)
    from annexa.orgs.models import Organization

    with transaction.atomic():
        # Lock the organization so that two writers never take the same number.
        Organization.objects.select_for_update().get(pk=ctx.org.pk)
        last = Objective.objects.for_org(ctx.org).order_by("-number").first()
        objective = Objective(
            organization=ctx.org,
            number=(last.number + 1) if last else 1,
            created_at=timezone.now(),
            updated_by=ctx.user,
        )
        _validate(ctx, objective, _apply(objective, data))
        objective.updated_at = objective.created_at
        objective.save()
        _record(ctx, objective, "create", None, snapshot(objective), version=objective.version)
    return objective


def _locked(ctx: OrgContext, objective: Objective, expected_version: int | None) -> Objective:
    """The stored objective under a lock; stale or withdrawn ones cannot be changed."""
    locked = (
        Objective.objects.select_for_update(of=("self",))
        .select_related("owner", "updated_by", "control")
        .get(pk=objective.pk, organization=ctx.org)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObjectiveError(locked, expected_version)
    if locked.status == ObjectiveStatus.WITHDRAWN:
        raise ValidationError(
            f"{locked.reference} is withdrawn: it can no longer be changed or measured."
        )
    return locked


def update_objective(
    ctx: OrgContext,
    objective: Objective,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Objective:
    """Change an objective; a no-op when nothing differs (no new version, no ledger entry).

    With ``expected_version`` the save is refused (``StaleObjectiveError``) unless the
    objective is still at that version.
    """
    ctx.require(PERMISSION)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        locked = _locked(ctx, objective, expected_version)
        before = snapshot(locked)
        problems = _apply(locked, changes)
        after = snapshot(locked)
        changed = changed_fields(before, after)
        if not changed and not problems:
            return locked
        _validate(ctx, locked, problems)
        _bump(ctx, locked)
        _record(
            ctx,
            locked,
            "update",
            {k: before[k] for k in changed},
            {k: after[k] for k in changed},
            version=locked.version,
        )
    return locked


def withdraw_objective(
    ctx: OrgContext, objective: Objective, *, reason: str, expected_version: int | None = None
) -> Objective:
    """Withdraw an objective that no longer applies; the reason is kept with it."""
    ctx.require(PERMISSION)
    reason = _text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why the objective is withdrawn."})
    with transaction.atomic():
        locked = _locked(ctx, objective, expected_version)
        before = {"status": locked.status}
        locked.status = ObjectiveStatus.WITHDRAWN
        locked.withdrawn_reason = reason
        _bump(ctx, locked)
        _record(
            ctx,
            locked,
            "withdraw",
            before,
            {"status": locked.status, "withdrawn_reason": reason},
            version=locked.version,
        )
    return locked


def record_measurement(
    ctx: OrgContext,
    objective: Objective,
    *,
    measured_on: dt.date | str | None,
    value: Decimal | int | float | str | None = None,
    note: str = "",
) -> ObjectiveMeasurement:
    """Add a reading of the objective's measure: a value, a note, or both."""
    ctx.require(PERMISSION)
    errors: dict[str, str] = {}
    day = _parse(_date, measured_on, "measured_on", errors)
    number = _parse(_decimal, value, "value", errors)
    text = _parse(_text, note, "note", errors)
    if day is not None and day > timezone.localdate():
        errors["measured_on"] = "A measurement cannot be dated in the future."
    if "measured_on" not in errors and day is None:
        errors["measured_on"] = "Say when the measurement was taken."
    if not errors and number is None and not text:
        errors["value"] = "Enter the measured value, a note, or both."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(ctx, objective, None)
        measurement = ObjectiveMeasurement(
            organization=ctx.org,
            objective=locked,
            measured_on=day,
            value=number,
            note=text or "",
            recorded_by=ctx.user,
        )
        _full_clean(measurement, exclude=["objective", "recorded_by"])
        measurement.save()
        _record(
            ctx,
            locked,
            "measure",
            None,
            {
                "measured_on": day.isoformat(),
                "value": number_text(number) or None,
                "note": measurement.note,
            },
            measurement=str(measurement.uid),
        )
    return measurement


def _record(ctx: OrgContext, objective: Objective, action: str, before, after, **extra) -> None:
    """The change in the ledger, under the objective's uid (measurements included)."""
    record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(objective.uid),
        action=action,
        before=before,
        after=after,
        reference=objective.reference,
        **extra,
    )


def _bump(ctx: OrgContext, objective: Objective) -> None:
    objective.version += 1
    objective.updated_at = timezone.now()
    objective.updated_by = ctx.user
    objective.save()


# --- parsing and validation ------------------------------------------------------------------


def _parse(parse, value, name: str, errors: dict[str, str]):
    try:
        return parse(value, name)
    except ValidationError as exc:
        errors[name] = exc.messages[0]
        return None


def _text(value: object, name: str) -> str:
    try:
        return clean_text(value)
    except ValidationError:
        raise ValidationError("Expected text.") from None


def _decimal(value: object, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError("Enter a number, e.g. 95 or 7.5.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"Enter a number, e.g. 95 or 7.5 (not {value!r}).") from None
    if not number.is_finite():
        raise ValidationError("Enter a finite number.")
    return number


def _date(value: object, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"Enter a date as YYYY-MM-DD (not {value!r}).") from None


def _control(value: object, name: str):
    from annexa.catalog.models import Control

    if value is None or value == "" or isinstance(value, Control):
        return value or None
    control = Control.objects.filter(pk=str(value).strip()).first()
    if control is None:
        raise ValidationError(f"Unknown control {value!r}: use an Annex A id such as A.5.1.")
    return control


def _owner(value: object, name: str):
    if value is not None and not isinstance(value, User):
        raise ValidationError("The owner must be a member.")
    return value


PARSERS = {
    "target_value": _decimal,
    "due_date": _date,
    "control": _control,
    "owner": _owner,
    **{name: _text for name in TEXT_FIELDS},
}


def _apply(objective: Objective, changes: Mapping[str, Any]) -> dict[str, str]:
    """Set the parsed values; the values that cannot be parsed come back as errors."""
    errors: dict[str, str] = {}
    for name, value in changes.items():
        parse = PARSERS.get(name)
        if parse is not None:
            value = _parse(parse, value, name, errors)
            if name in errors:
                continue
        if name == "status" and value == ObjectiveStatus.WITHDRAWN:
            errors[name] = "Withdraw the objective instead: withdrawing asks for the reason."
            continue
        setattr(objective, name, value)
    return errors


def _full_clean(obj, exclude: list[str]) -> None:
    """The model's own field checks (lengths, choices, digits), errors keyed by field."""
    obj.full_clean(exclude=["organization", "uid", *exclude], validate_constraints=False)


def _validate(ctx: OrgContext, objective: Objective, problems: dict[str, str]) -> None:
    """Every problem at once; a value that could not be read says so, not "missing"."""
    errors: dict[str, list[str]] = {}
    try:
        _full_clean(objective, exclude=["number", "control", "owner", "updated_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, message in REQUIRED.items():
        if getattr(objective, name) in (None, ""):
            errors[name] = [message]
    errors.update({name: [message] for name, message in problems.items()})
    if "owner" not in errors:
        try:
            require_member(ctx.org, objective.owner, "owner")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
