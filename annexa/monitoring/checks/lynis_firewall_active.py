"""Host firewall is active with rules."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisFirewallActive(LynisTest):
    """Passes when Lynis found an active host firewall with a non-empty rule set. Fails when
    no firewall is active, or its rule set is empty. Errors when the report lacks
    ``firewall_active``."""

    id = "lynis_firewall_active"
    title = "Host firewall is active with rules"
    control_ids = ("A.8.20",)
    severity = "high"
    remediation = (
        "Enable the host firewall (nftables, iptables or ufw) with a default-deny policy for "
        "incoming traffic."
    )

    def judge(self, report: LynisReport) -> Outcome:
        active = report.flag("firewall_active")
        if active is None:
            return self.missing("firewall_active")
        if not active:
            return failed(f"no firewall is active on {self.host(report)}", [self.host(report)])
        if report.flag("firewall_empty_ruleset"):
            return failed(f"the firewall of {self.host(report)} has no rules", [self.host(report)])
        software = ", ".join(report.items("firewall_software")) or "a firewall"
        return passed(f"{software} is active with rules")
