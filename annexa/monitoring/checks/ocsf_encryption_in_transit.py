"""Cloud endpoints encrypt data in transit."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfEncryptionInTransit(OcsfTopicTest):
    """Passes when every OCSF finding of the known encryption-in-transit checks passed. Fails
    when any of them failed; the resources of the failed findings are listed. Not applicable
    when the evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_encryption_in_transit"
    title = "Cloud endpoints encrypt data in transit"
    control_ids = ("A.8.24", "A.5.14")
    severity = "high"
    topic = "encryption_in_transit"
    remediation = (
        "Require TLS 1.2 or later on load balancers, storage and database endpoints and "
        "redirect plain HTTP to HTTPS."
    )
