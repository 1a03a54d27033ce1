"""Changing an asset with optimistic locking: the change is refused when the asset moved on
since the version the person read (the API's ``If-Match``, a form's hidden version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from annexa.core.tenancy import OrgContext
from annexa.risks.models import Asset
from annexa.risks.services import assets


class StaleAssetError(Exception):
    def __init__(self, asset: Asset, expected: int) -> None:
        self.asset = asset
        super().__init__(
            f"{asset.reference} {asset.name} was changed since you read it (now version "
            f"{asset.version}, you edited version {expected}). Your changes were not saved: "
            "reload the asset and apply them again."
        )


def update_asset(
    ctx: OrgContext, asset: Asset, changes: Mapping[str, Any], *, expected_version: int | None
) -> Asset:
    """``assets.update_asset``, refused with ``StaleAssetError`` when ``expected_version`` is
    not the asset's version (checked under the row's lock, in the change's transaction)."""
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleAssetError(locked, expected_version)
        return assets.update_asset(ctx, locked, changes)
