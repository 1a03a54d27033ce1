"""The cloud root account is not used day to day."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfRootUsage(OcsfTopicTest):
    """Passes when every OCSF finding of the known root account use checks passed. Fails when
    any of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_root_usage"
    title = "The cloud root account is not used day to day"
    control_ids = ("A.8.2",)
    severity = "critical"
    topic = "root_usage"
    remediation = (
        "Remove root access keys, lock the root credentials away and use named administrator "
        "roles instead."
    )
