"""Cloud resources are not exposed to the internet."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfPublicExposure(OcsfTopicTest):
    """Passes when every OCSF finding of the known public exposure checks passed. Fails when any
    of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_public_exposure"
    title = "Cloud resources are not exposed to the internet"
    control_ids = ("A.8.20", "A.8.3")
    severity = "critical"
    topic = "public_exposure"
    remediation = (
        "Block public access to storage and snapshots, and restrict SSH, RDP and database "
        "ports to known networks or a bastion."
    )
