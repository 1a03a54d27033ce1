"""Security contacts are registered with the provider."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfSecurityContacts(OcsfTopicTest):
    """Passes when every OCSF finding of the known security contact checks passed. Fails when
    any of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_security_contacts"
    title = "Security contacts are registered with the provider"
    control_ids = ("A.5.24", "A.5.5")
    severity = "medium"
    topic = "security_contacts"
    remediation = (
        "Register a security contact (a monitored team address and phone) with every cloud "
        "account so the provider can reach you about incidents."
    )
