"""Statement of Applicability: creating the entries and changing one entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import SoAEntry
from annexa.isms.services.common import (
    PERMISSION,
    changed_fields,
    clean_text,
    email_of,
    is_member,
    record,
    reject_unknown,
    stale_message,
)
from annexa.orgs.models import User

OBJECT_TYPE = "soa_entry"
EDITABLE = ("applicable", "justification", "status", "control_owner", "notes")


class StaleVersionError(Exception):
    """The entry changed since the caller read it; saving would overwrite someone's work."""

    def __init__(self, entry: SoAEntry, expected: int) -> None:
        self.entry = entry
        self.expected = expected
        super().__init__(stale_message(entry.control_id, entry, expected, "entry"))


def ensure_soa(org) -> int:
    """Create the missing entries (one per Annex A control); returns how many were created.

    New entries are undecided: not applicable, not started, no justification. Cheap when the
    SoA is complete (two counts), so pages may call it on every request.
    """
    from annexa.catalog.models import Control

    if SoAEntry.objects.for_org(org).count() >= Control.objects.count():
        return 0
    with transaction.atomic():
        existing = set(SoAEntry.objects.for_org(org).values_list("control_id", flat=True))
        missing = list(Control.objects.exclude(id__in=existing).values_list("id", flat=True))
        if not missing:
            return 0
        SoAEntry.objects.bulk_create(
            [SoAEntry(organization=org, control_id=cid) for cid in missing],
            ignore_conflicts=True,  # a concurrent request may have created some meanwhile
        )
        record(
            OrgContext.system(org),
            object_type="soa",
            object_id=str(org.uid),
            action="create_entries",
            before=None,
            after={"controls": missing},
        )
    return len(missing)


def snapshot(entry: SoAEntry) -> dict[str, Any]:
    """The entry's decision as JSON-safe data (owner by e-mail), for the ledger and diffs."""
    return {
        "applicable": entry.applicable,
        "justification": entry.justification,
        "status": entry.status,
        "control_owner": email_of(entry.control_owner),
        "notes": entry.notes,
    }


def get_entry(org, control_id: str) -> SoAEntry:
    """The entry for ``control_id`` in ``org``; ``SoAEntry.DoesNotExist`` when there is none."""
    return SoAEntry.objects.select_related("control", "control_owner", "updated_by").get(
        organization=org, control_id=control_id
    )


def update_soa_entry(
    ctx: OrgContext,
    control_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> SoAEntry:
    """Change one entry; a no-op when nothing differs (no new version, no ledger entry).

    ``changes`` may hold ``applicable`` (bool), ``justification``, ``status``,
    ``control_owner`` (a member, or ``None``) and ``notes``. With ``expected_version`` the
    save is refused (``StaleVersionError``) unless the entry is still at that version.
    """
    ctx.require(PERMISSION)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        entry = (
            SoAEntry.objects.select_for_update(of=("self",))
            .select_related("control", "control_owner", "updated_by")
            .get(organization=ctx.org, control_id=control_id)
        )
        if expected_version is not None and entry.version != expected_version:
            raise StaleVersionError(entry, expected_version)
        before = snapshot(entry)
        _apply(entry, changes)
        after = snapshot(entry)
        changed = changed_fields(before, after)
        if not changed:
            return entry
        _validate(ctx, entry)
        entry.version += 1
        entry.updated_at = timezone.now()
        entry.updated_by = ctx.user
        entry.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=entry.control_id,
            action="update",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            version=entry.version,
        )
    return entry


def _apply(entry: SoAEntry, changes: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name, value in changes.items():
        if name == "applicable":
            if not isinstance(value, bool):
                errors[name] = "Applicable must be true or false."
                continue
            entry.applicable = value
        elif name == "control_owner":
            if value is not None and not isinstance(value, User):
                errors[name] = "The control owner must be a member (or empty)."
                continue
            entry.control_owner = value
        else:
            try:
                setattr(entry, name, clean_text(value))
            except ValidationError:
                errors[name] = "Expected text."
    if errors:
        raise ValidationError(errors)


def _validate(ctx: OrgContext, entry: SoAEntry) -> None:
    errors: dict[str, str] = {}
    if not entry.justification:
        verb = "includes" if entry.applicable else "excludes"
        errors["justification"] = (
            f"Explain why the organization {verb} {entry.control_id}: a justification is "
            "required for every inclusion and every exclusion."
        )
    if entry.status not in ImplementationStatus.values:
        errors["status"] = (
            f"Unknown status {entry.status!r}; use one of {', '.join(ImplementationStatus.values)}."
        )
    owner = entry.control_owner
    if owner is not None and not is_member(ctx.org, owner):
        errors["control_owner"] = f"{owner.email} is not a member of {ctx.org.name}."
    if errors:
        raise ValidationError(errors)
