"""Laptops, desktops and phones are encrypted."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AssetTest

ENDPOINTS = ("laptop", "desktop", "mobile")


class AssetsEndpointEncryption(AssetTest):
    """Passes when every laptop, desktop and mobile device in use is marked as encrypted.
    Fails when one is not encrypted or its encryption is unknown. Not applicable when the
    inventory lists no such device."""

    id = "assets_endpoint_encryption"
    title = "Laptops, desktops and phones are encrypted"
    control_ids = ("A.8.1",)
    severity = "high"
    remediation = (
        "Turn on full-disk encryption (BitLocker, FileVault, LUKS, device encryption) on the "
        "listed devices and record it in the inventory."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        return self.in_use(record) and record.get("type") in ENDPOINTS

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(record.get("encrypted") is True)
