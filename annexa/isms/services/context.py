"""Context issues (4.1), interested parties (4.2) and units: create, change, delete.

The three share one shape: a flat record whose every change is validated and written to the
ledger with its before and after state. ``Kind`` describes each as data, so the rules live in
one place instead of three copies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError

from annexa.core.tenancy import OrgContext
from annexa.isms.models import ContextIssue, InterestedParty, OrgUnit
from annexa.isms.services.common import (
    PERMISSION,
    changed_fields,
    clean_text,
    email_of,
    record,
    reject_unknown,
    require_member,
)


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    object_type: str
    fields: tuple[str, ...]
    text_fields: tuple[str, ...]
    required: dict[str, str]  # field → message when it is empty
    check: Callable[[OrgContext, Any], None] | None = None


def _check_unit(ctx: OrgContext, unit: OrgUnit) -> None:
    require_member(ctx.org, unit.manager, "manager")


ISSUE = Kind(
    model=ContextIssue,
    object_type="context_issue",
    fields=("kind", "description", "effect", "climate_related"),
    text_fields=("description", "effect"),
    required={"description": "Describe the issue."},
)
PARTY = Kind(
    model=InterestedParty,
    object_type="interested_party",
    fields=("name", "requirements", "addressed_through_isms", "relevant"),
    text_fields=("name", "requirements", "addressed_through_isms"),
    required={"name": "Name the interested party."},
)
UNIT = Kind(
    model=OrgUnit,
    object_type="org_unit",
    fields=("name", "kind", "description", "manager"),
    text_fields=("name", "description"),
    required={"name": "Name the unit, system, location or process."},
    check=_check_unit,
)


def snapshot(kind: Kind, obj: models.Model) -> dict[str, Any]:
    """The record as JSON-safe data (people by e-mail) for the ledger."""
    data: dict[str, Any] = {}
    for name in kind.fields:
        value = getattr(obj, name)
        data[name] = email_of(value) if name == "manager" else value
    return data


def save(
    ctx: OrgContext, kind: Kind, data: Mapping[str, Any], instance: models.Model | None = None
) -> models.Model:
    """Create (``instance`` is None) or change a record; a no-op when nothing differs."""
    ctx.require(PERMISSION)
    reject_unknown(data, kind.fields)
    with transaction.atomic():
        if instance is None:
            obj = kind.model(organization=ctx.org)
            before = None
        else:
            # Re-read under a lock: the caller's copy may be stale or already modified by a form.
            obj = kind.model.objects.select_for_update().get(pk=instance.pk, organization=ctx.org)
            before = snapshot(kind, obj)
        _assign(kind, obj, data)
        _validate(ctx, kind, obj)
        after = snapshot(kind, obj)
        if before is not None and not changed_fields(before, after):
            return obj
        obj.save()
        record(
            ctx,
            object_type=kind.object_type,
            object_id=str(obj.uid),
            action="create" if before is None else "update",
            before=before,
            after=after,
        )
    return obj


def delete(ctx: OrgContext, kind: Kind, instance: models.Model) -> None:
    """Delete a record; the ledger keeps what it was."""
    ctx.require(PERMISSION)
    with transaction.atomic():
        obj = kind.model.objects.select_for_update().get(pk=instance.pk, organization=ctx.org)
        before = snapshot(kind, obj)
        uid = str(obj.uid)
        try:
            with transaction.atomic():  # a savepoint: a refused delete leaves the rest usable
                obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError(in_use(kind, obj, exc)) from None
        record(
            ctx,
            object_type=kind.object_type,
            object_id=uid,
            action="delete",
            before=before,
            after=None,
        )


def in_use(kind: Kind, obj: models.Model, exc: ProtectedError | RestrictedError) -> str:
    """Why ``obj`` cannot be deleted: what still refers to it (an audit's scope, say), named
    by the record holding the reference rather than by the linking row."""
    found = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
    holders: list[str] = []
    for row in found:
        holder = _holder(row, obj)
        label = f"{holder._meta.verbose_name} {holder}"
        if label not in holders:
            holders.append(label)
    shown = ", ".join(holders[:5]) + (f" and {len(holders) - 5} more" if len(holders) > 5 else "")
    name = getattr(obj, "name", "") or str(obj)
    return (
        f"The {kind.model._meta.verbose_name} {name!r} cannot be deleted: it is used by "
        f"{shown}. Remove it from there first."
    )


def _holder(row: models.Model, target: models.Model) -> models.Model:
    """The record a linking row belongs to (an audit for an audit's unit row), or the row."""
    for field in row._meta.concrete_fields:
        if not field.many_to_one or field.name == "organization":
            continue
        if field.related_model is type(target):
            continue
        related = getattr(row, field.name, None)
        if related is not None:
            return related
    return row


def _assign(kind: Kind, obj: models.Model, data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name, value in data.items():
        if name in kind.text_fields:
            try:
                value = clean_text(value)
            except ValidationError:
                errors[name] = "Expected text."
                continue
        setattr(obj, name, value)
    if errors:
        raise ValidationError(errors)


def _validate(ctx: OrgContext, kind: Kind, obj: models.Model) -> None:
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean(exclude=["organization", "uid"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, message in kind.required.items():
        if not getattr(obj, name):
            errors[name] = [message]
    if kind.check is not None and "manager" not in errors:
        try:
            kind.check(ctx, obj)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not errors:
        _check_unique(kind, obj, errors)
    if errors:
        raise ValidationError(errors)


def _check_unique(kind: Kind, obj: models.Model, errors: dict[str, list[str]]) -> None:
    """Names are unique per organization; say so on the name field, not as a database error."""
    if "name" not in kind.fields:
        return
    clash = kind.model.objects.filter(organization=obj.organization_id, name__iexact=obj.name)
    if obj.pk is not None:
        clash = clash.exclude(pk=obj.pk)
    if clash.exists():
        label = kind.model._meta.verbose_name
        errors["name"] = [f"The name {obj.name!r} is already taken by another {label}."]


# Named entry points, so callers read as sentences: ``context.save_issue(ctx, data)``.
def save_issue(ctx: OrgContext, data: Mapping[str, Any], issue=None) -> ContextIssue:
    return save(ctx, ISSUE, data, issue)  # type: ignore[return-value]


def save_party(ctx: OrgContext, data: Mapping[str, Any], party=None) -> InterestedParty:
    return save(ctx, PARTY, data, party)  # type: ignore[return-value]


def save_unit(ctx: OrgContext, data: Mapping[str, Any], unit=None) -> OrgUnit:
    return save(ctx, UNIT, data, unit)  # type: ignore[return-value]


def delete_issue(ctx: OrgContext, issue: ContextIssue) -> None:
    delete(ctx, ISSUE, issue)


def delete_party(ctx: OrgContext, party: InterestedParty) -> None:
    delete(ctx, PARTY, party)


def delete_unit(ctx: OrgContext, unit: OrgUnit) -> None:
    delete(ctx, UNIT, unit)
