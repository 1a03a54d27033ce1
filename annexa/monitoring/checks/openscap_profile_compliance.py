"""The host complies with its SCAP profile."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapProfileCompliance(OpenScapRuleTest):
    """Passes when every rule of the evaluated profile that applies to the host passed. Fails
    when any rule failed (each is a failing resource). Not applicable when no rule applied."""

    id = "openscap_profile_compliance"
    title = "The host complies with its SCAP profile"
    control_ids = ("A.8.9",)
    severity = "medium"
    rules = r".+"
    remediation = (
        "Fix the failing rules of the profile (each rule's fix text says how) or record an "
        "accepted deviation, then re-scan."
    )
