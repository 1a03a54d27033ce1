"""Variable data has its own partitions."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapPartitioning(OpenScapRuleTest):
    """Passes when every evaluated ``partition_for_*`` rule passed. Fails when any failed.
    Not applicable when none was evaluated (containers usually have no partitions)."""

    id = "openscap_partitioning"
    title = "Variable data has its own partitions"
    control_ids = ("A.8.6",)
    severity = "low"
    rules = r"partition_for_.+"
    remediation = (
        "Give /tmp, /var, /var/log, /var/log/audit and /home their own file systems so one "
        "cannot fill the others."
    )
