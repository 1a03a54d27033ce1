"""Cloud encryption keys are managed and rotated."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfKeyManagement(OcsfTopicTest):
    """Passes when every OCSF finding of the known key management checks passed. Fails when any
    of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_key_management"
    title = "Cloud encryption keys are managed and rotated"
    control_ids = ("A.8.24",)
    severity = "medium"
    topic = "key_management"
    remediation = (
        "Rotate customer-managed keys yearly, keep key policies private, and use "
        "role-based access to key vaults."
    )
