"""Cloud threat detection is enabled."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfThreatDetection(OcsfTopicTest):
    """Passes when every OCSF finding of the known threat detection checks passed. Fails when
    any of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_threat_detection"
    title = "Cloud threat detection is enabled"
    control_ids = ("A.8.16", "A.5.7")
    severity = "high"
    topic = "threat_detection"
    remediation = (
        "Enable the provider's threat detection (GuardDuty, Defender for Cloud, Security "
        "Command Center) in every account and region."
    )
