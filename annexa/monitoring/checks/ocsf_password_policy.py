"""Cloud password policy is strong."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfPasswordPolicy(OcsfTopicTest):
    """Passes when every OCSF finding of the known password policy checks passed. Fails when any
    of them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_password_policy"
    title = "Cloud password policy is strong"
    control_ids = ("A.5.17",)
    severity = "medium"
    topic = "password_policy"
    remediation = (
        "Set the account password policy: length of 14 or more, reuse prevention and the "
        "complexity the organisation's policy asks for."
    )
