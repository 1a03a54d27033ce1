"""System files have safe owners and permissions."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapFilePermissions(OpenScapRuleTest):
    """Passes when every evaluated SCAP Security Guide rule on file ownership and permissions
    (``file_permissions_*``, ``file_owner_*``, ``file_groupowner_*``) passed. Fails when any of
    them failed. Not applicable when none of these rules was evaluated."""

    id = "openscap_file_permissions"
    title = "System files have safe owners and permissions"
    control_ids = ("A.8.3",)
    severity = "medium"
    rules = r"file_(permissions|owner|groupowner)_.+"
    remediation = (
        "Correct the owner, group and mode of the files listed (the SSG rule text gives the "
        "expected values), then re-scan."
    )
