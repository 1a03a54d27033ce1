"""Cloud activity is logged."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfLogging(OcsfTopicTest):
    """Passes when every OCSF finding of the known audit and access logging checks passed. Fails
    when any of them failed; the resources of the failed findings are listed. Not applicable
    when the evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_logging"
    title = "Cloud activity is logged"
    control_ids = ("A.8.15",)
    severity = "high"
    topic = "logging"
    remediation = (
        "Enable audit trails in every region (CloudTrail, Activity Log, Cloud Audit Logs), "
        "flow logs and access logs, with integrity validation."
    )
