"""Time synchronisation is configured."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapTimeSync(OpenScapRuleTest):
    """Passes when every evaluated rule on NTP or chrony passed. Fails when any failed. Not
    applicable when none was evaluated."""

    id = "openscap_time_sync"
    title = "Time synchronisation is configured"
    control_ids = ("A.8.17",)
    severity = "medium"
    rules = (
        r"package_(ntp|chrony)_installed|service_(ntp|ntpd|chronyd|timesyncd)_enabled"
        r"|chronyd_.+|ntpd_.+"
    )
    remediation = "Install and enable chrony or ntp with the organisation's time sources."
