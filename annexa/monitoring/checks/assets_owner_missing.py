"""Every asset in use has an owner."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AssetTest


class AssetsOwnerMissing(AssetTest):
    """Passes when every asset in use or in storage names an owner. Fails when one has no
    owner. Not applicable when the inventory lists no such asset."""

    id = "assets_owner_missing"
    title = "Every asset in use has an owner"
    control_ids = ("A.5.9",)
    severity = "medium"
    remediation = "Name an owner (a person or role) for each listed asset in the inventory."

    def applies(self, record: dict[str, Any]) -> bool:
        return self.in_use(record)

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(bool(record.get("owner")))
