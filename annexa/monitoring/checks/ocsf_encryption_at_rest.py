"""Cloud data is encrypted at rest."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfEncryptionAtRest(OcsfTopicTest):
    """Passes when every OCSF finding of the known encryption-at-rest checks passed. Fails when
    any of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_encryption_at_rest"
    title = "Cloud data is encrypted at rest"
    control_ids = ("A.8.24",)
    severity = "high"
    topic = "encryption_at_rest"
    remediation = (
        "Turn on default encryption for storage, volumes, databases and queues, with "
        "customer-managed keys where the data classification asks for it."
    )
