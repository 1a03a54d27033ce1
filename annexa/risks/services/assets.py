"""The asset inventory (8.1, A.5.9): entered, imported, taken from the scope, or proposed from
collected evidence for the owner to confirm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.isms.services.common import is_member
from annexa.risks.choices import AssetKind, AssetSource
from annexa.risks.models import Asset, Classification
from annexa.risks.services.common import (
    MANAGE,
    clean_text,
    email_of,
    lock_org,
    next_number,
    record,
    require_text,
    whole,
)

OBJECT_TYPE = "asset"
EDITABLE = (
    "name",
    "kind",
    "description",
    "owner",
    "classification",
    "value_c",
    "value_i",
    "value_a",
    "location",
    "retired",
)
DEFAULT_CLASSIFICATIONS = (
    ("Public", "May be published."),
    ("Internal", "For staff and contractors under agreement."),
    ("Confidential", "Named people and teams only; harm if disclosed."),
    ("Restricted", "Named people only; serious harm if disclosed."),
)


def snapshot(asset: Asset) -> dict[str, Any]:
    return {
        "reference": asset.reference,
        "name": asset.name,
        "kind": asset.kind,
        "description": asset.description,
        "owner": email_of(asset.owner) if asset.owner_id else None,
        "classification": asset.classification.name if asset.classification_id else None,
        "value_c": asset.value_c,
        "value_i": asset.value_i,
        "value_a": asset.value_a,
        "location": asset.location,
        "source": asset.source,
        "confirmed": asset.confirmed,
        "retired": asset.retired,
    }


def classifications(org) -> list[Classification]:
    """The organization's labels (A.5.12); the four default ones are created on first use."""
    found = list(Classification.objects.for_org(org))
    if found:
        return found
    with transaction.atomic():
        Classification.objects.bulk_create(
            [
                Classification(organization=org, name=name, rank=rank, description=description)
                for rank, (name, description) in enumerate(DEFAULT_CLASSIFICATIONS)
            ],
            ignore_conflicts=True,
        )
    return list(Classification.objects.for_org(org))


def create_asset(
    ctx: OrgContext,
    data: Mapping[str, Any],
    *,
    source: str = AssetSource.MANUAL,
    source_reference: str = "",
    confirmed: bool = True,
) -> Asset:
    ctx.require(MANAGE)
    with transaction.atomic():
        lock_org(ctx.org)
        asset = Asset(
            organization=ctx.org,
            number=next_number(Asset, ctx.org),
            source=source,
            source_reference=source_reference,
            confirmed=confirmed,
        )
        apply(ctx, asset, data, creating=True)
        asset.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(asset.uid),
            action="create",
            before=None,
            after=snapshot(asset),
        )
    return asset


def update_asset(ctx: OrgContext, asset: Asset, changes: Mapping[str, Any]) -> Asset:
    ctx.require(MANAGE)
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        before = snapshot(asset)
        apply(ctx, asset, changes, creating=False)
        after = snapshot(asset)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return asset
        asset.version += 1
        asset.updated_at = timezone.now()
        asset.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(asset.uid),
            action="update",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            version=asset.version,
        )
    return asset


def confirm_asset(ctx: OrgContext, asset: Asset) -> Asset:
    """The owner (or a manager) confirms an asset proposed from collected evidence."""
    if not (ctx.can(MANAGE) or (ctx.user is not None and asset.owner_id == ctx.user.pk)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("only the asset's owner or an ISMS manager confirms it")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.confirmed:
            raise ValidationError({"confirmed": f"{asset.reference} is already confirmed."})
        asset.confirmed = True
        asset.version += 1
        asset.updated_at = timezone.now()
        asset.save()
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(asset.uid),
            action="confirm",
            before={"confirmed": False},
            after={"confirmed": True},
        )
    return asset


def apply(ctx: OrgContext, asset: Asset, data: Mapping[str, Any], *, creating: bool) -> None:
    """Set ``asset``'s fields from ``data``; every problem reported at once. ``owner`` is a
    member (a ``User``), ``classification`` a label's name."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    errors: dict[str, str] = {}
    if creating or "name" in data:
        try:
            asset.name = require_text(data, "name", "The asset's name")
        except ValidationError as exc:
            errors["name"] = exc.message_dict["name"][0]
        else:
            clash = Asset.objects.for_org(ctx.org).filter(name__iexact=asset.name)
            if clash.exclude(pk=asset.pk).exists():
                errors["name"] = f"An asset named {asset.name!r} is already in the inventory."
    if creating or "kind" in data:
        if data.get("kind") not in AssetKind.values:
            errors["kind"] = f"The kind must be one of {', '.join(AssetKind.values)}."
        else:
            asset.kind = data["kind"]
    for name in ("description", "location"):
        if name in data:
            setattr(asset, name, clean_text(data[name]))
    if "owner" in data:
        owner = data["owner"]
        if owner is not None and not is_member(ctx.org, owner):
            errors["owner"] = "The asset's owner must be a member of the organization."
        else:
            asset.owner = owner
    if "classification" in data:
        label = clean_text(data["classification"])
        if not label:
            asset.classification = None
        else:
            found = {c.name.lower(): c for c in classifications(ctx.org)}
            if label.lower() not in found:
                names = ", ".join(c.name for c in classifications(ctx.org))
                errors["classification"] = f"Unknown classification {label!r}; use {names}."
            else:
                asset.classification = found[label.lower()]
    for name, label in (
        ("value_c", "Confidentiality"),
        ("value_i", "Integrity"),
        ("value_a", "Availability"),
    ):
        if name in data:
            try:
                value = whole(data[name], name, 1, 5, f"{label} value")
            except ValidationError as exc:
                errors[name] = exc.message_dict[name][0]
            else:
                setattr(asset, name, 3 if value is None else value)
    if "retired" in data:
        asset.retired = bool(data["retired"])
    if errors:
        raise ValidationError(errors)


def from_scope(ctx: OrgContext) -> list[Asset]:
    """The scope's units, systems and locations as assets (once each; names already in the
    inventory are left alone)."""
    from annexa.isms.models import OrgUnit

    ctx.require(MANAGE)
    kinds = {
        "unit": AssetKind.PEOPLE,
        "system": AssetKind.SYSTEM,
        "location": AssetKind.LOCATION,
        "process": AssetKind.SERVICE,
    }
    created = []
    with transaction.atomic():
        taken = {n.lower() for n in Asset.objects.for_org(ctx.org).values_list("name", flat=True)}
        for item in OrgUnit.objects.for_org(ctx.org).order_by("kind", "name"):
            kind = kinds.get(item.kind, AssetKind.SYSTEM)
            if item.name.lower() in taken:
                continue
            taken.add(item.name.lower())
            created.append(
                create_asset(
                    ctx,
                    {
                        "name": item.name,
                        "kind": kind,
                        "description": item.description,
                        "owner": item.manager,
                    },
                    source=AssetSource.SCOPE,
                    source_reference=f"scope {item.get_kind_display().lower()}",
                )
            )
    return created
