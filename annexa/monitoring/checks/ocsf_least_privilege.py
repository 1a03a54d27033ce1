"""Cloud permissions follow least privilege."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfLeastPrivilege(OcsfTopicTest):
    """Passes when every OCSF finding of the known administrative privilege checks passed. Fails
    when any of them failed; the resources of the failed findings are listed. Not applicable
    when the evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_least_privilege"
    title = "Cloud permissions follow least privilege"
    control_ids = ("A.5.15", "A.8.2")
    severity = "high"
    topic = "least_privilege"
    remediation = (
        "Replace policies that grant full administrative access with scoped ones, enable "
        "access analysis, and remove wildcard roles."
    )
