"""AIDE checks file integrity."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapFileIntegrity(OpenScapRuleTest):
    """Passes when every evaluated AIDE rule passed. Fails when any failed. Not applicable
    when none was evaluated."""

    id = "openscap_file_integrity"
    title = "AIDE checks file integrity"
    control_ids = ("A.8.16",)
    severity = "medium"
    rules = r"(package_aide_installed|aide_.+)"
    remediation = "Install AIDE, build its database and schedule periodic checks."
