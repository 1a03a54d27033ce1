"""Unused and old cloud credentials are removed."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfStaleCredentials(OcsfTopicTest):
    """Passes when every OCSF finding of the known credential age and use checks passed. Fails
    when any of them failed; the resources of the failed findings are listed. Not applicable
    when the evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_stale_credentials"
    title = "Unused and old cloud credentials are removed"
    control_ids = ("A.5.18",)
    severity = "medium"
    topic = "stale_credentials"
    remediation = (
        "Disable credentials unused for 45 days or more and rotate access keys at least every "
        "90 days."
    )
