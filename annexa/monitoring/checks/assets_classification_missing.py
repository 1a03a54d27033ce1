"""Information assets are classified."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AssetTest

HOLDS_INFORMATION = ("server", "cloud", "saas", "data")


class AssetsClassificationMissing(AssetTest):
    """Passes when every server, cloud service, SaaS application and data set in use carries
    a classification. Fails when one has none. Not applicable when the inventory lists no
    such asset."""

    id = "assets_classification_missing"
    title = "Information assets are classified"
    control_ids = ("A.5.12",)
    severity = "medium"
    remediation = (
        "Classify each listed asset (public, internal, confidential or restricted) according "
        "to the classification policy."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        return self.in_use(record) and record.get("type") in HOLDS_INFORMATION

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(bool(record.get("classification")))
