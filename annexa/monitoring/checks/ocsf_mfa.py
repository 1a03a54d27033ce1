"""Cloud accounts require multi-factor authentication."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfMfa(OcsfTopicTest):
    """Passes when every OCSF finding of the known multi-factor authentication checks passed.
    Fails when any of them failed; the resources of the failed findings are listed. Not
    applicable when the evidence holds no such finding (MANUAL and MUTED results are not
    counted)."""

    id = "ocsf_mfa"
    title = "Cloud accounts require multi-factor authentication"
    control_ids = ("A.8.5",)
    severity = "high"
    topic = "mfa"
    remediation = (
        "Enforce MFA for the root or global administrator and every console user; prefer "
        "hardware or phishing-resistant factors for administrators."
    )
