"""The organization's information classification labels (A.5.12), lowest first: added,
renamed, described, reordered, and removed while no asset carries them. Managers only; every
change in the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.core.tenancy import OrgContext
from annexa.risks.models import Classification
from annexa.risks.services.assets import classifications
from annexa.risks.services.common import MANAGE, clean_text, record

OBJECT_TYPE = "classification"


def _snapshot(label: Classification) -> dict[str, Any]:
    return {"name": label.name, "rank": label.rank, "description": label.description}


def _apply(org, label: Classification, data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "name" in data:
        name = clean_text(data.get("name"))
        if not name or len(name) > 60:
            errors["name"] = "A label needs a name of at most 60 characters."
        elif (
            Classification.objects.for_org(org)
            .filter(name__iexact=name)
            .exclude(pk=label.pk)
            .exists()
        ):
            errors["name"] = f"There is already a label named {name!r}."
        label.name = name
    if "description" in data:
        label.description = clean_text(data.get("description"))
    if "rank" in data:
        try:
            label.rank = int(str(data.get("rank")).strip())
        except ValueError:
            errors["rank"] = "The position is a whole number (0 is the lowest label)."
        else:
            if not 0 <= label.rank <= 99:
                errors["rank"] = "The position is from 0 (the lowest label) to 99."
    if errors:
        raise ValidationError(errors)


def add_label(ctx: OrgContext, data: Mapping[str, Any]) -> Classification:
    ctx.require(MANAGE)
    existing = classifications(ctx.org)  # the defaults exist before the first own label
    with transaction.atomic():
        label = Classification(
            organization=ctx.org, rank=max((c.rank for c in existing), default=-1) + 1
        )
        _apply(ctx.org, label, {"name": "", **data})
        label.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(label.uid),
            action="create",
            before=None,
            after=_snapshot(label),
        )
    return label


def update_label(ctx: OrgContext, label: Classification, changes: Mapping[str, Any]):
    ctx.require(MANAGE)
    with transaction.atomic():
        label = Classification.objects.select_for_update().get(pk=label.pk)
        before = _snapshot(label)
        _apply(ctx.org, label, changes)
        after = _snapshot(label)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return label
        label.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(label.uid),
            action="update",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return label


def remove_label(ctx: OrgContext, label: Classification) -> None:
    ctx.require(MANAGE)
    with transaction.atomic():
        label = Classification.objects.select_for_update().get(pk=label.pk)
        used = label.assets.count()
        if used:
            raise ValidationError(
                {
                    "label": f"{used} asset{'s carry' if used != 1 else ' carries'} "
                    f"{label.name}: classify {'them' if used != 1 else 'it'} otherwise first."
                }
            )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(label.uid),
            action="delete",
            before=_snapshot(label),
            after=None,
        )
        label.delete()
