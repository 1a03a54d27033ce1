"""Cloud data is backed up."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfBackup(OcsfTopicTest):
    """Passes when every OCSF finding of the known backup checks passed. Fails when any of them
    failed; the resources of the failed findings are listed. Not applicable when the evidence
    holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_backup"
    title = "Cloud data is backed up"
    control_ids = ("A.8.13",)
    severity = "high"
    topic = "backup"
    remediation = (
        "Define backup plans for databases, volumes and buckets, with point-in-time recovery "
        "where available, and test restores."
    )
