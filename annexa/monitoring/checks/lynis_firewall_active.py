"""Host firewall is active with rules."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, errored, failed, passed

# The Lynis tests that read a rule set (and set ``firewall_empty_ruleset`` when it is empty).
# ``firewall_active`` alone proves nothing: Lynis sets it when the kernel merely supports
# iptables (a loaded module, /proc/net/ip_tables_names, CONFIG_IP_NF_IPTABLES=y).
RULESET_TESTS = {"FIRE-4512": "iptables", "FIRE-4540": "nftables"}


class LynisFirewallActive(LynisTest):
    """Passes when Lynis found an active host firewall and read its rule set (iptables test
    FIRE-4512 or nftables test FIRE-4540 ran) without finding it empty. Fails when no
    firewall is active, or its rule set is empty. Errors ("cannot tell") when Lynis read no
    rule set — it flags a firewall active on kernel support alone, so such a report cannot
    show that traffic is filtered — and when the report lacks ``firewall_active``."""

    id = "lynis_firewall_active"
    title = "Host firewall is active with rules"
    control_ids = ("A.8.20",)
    severity = "high"
    version = 2
    remediation = (
        "Enable the host firewall (nftables, iptables or ufw) with a default-deny policy for "
        "incoming traffic; run Lynis as root with iptables or nft installed, so it can read "
        "the rule set."
    )

    def judge(self, report: LynisReport) -> Outcome:
        host = self.host(report)
        active = report.flag("firewall_active")
        if active is None:
            return self.missing("firewall_active")
        if not active:
            return failed(f"no firewall is active on {host}", [host])
        if report.flag("firewall_empty_ruleset"):
            # Set only by a rule-set test that read the rules and found (nearly) none.
            return failed(f"the firewall of {host} has no rules", [host])
        read = [name for test, name in RULESET_TESTS.items() if report.ran(test)]
        if not read:
            skipped = [t for t in RULESET_TESTS if t in report.tests_skipped]
            why = (
                f"its rule-set tests were skipped ({', '.join(skipped)}: no iptables or nft "
                "program, or not run as root)"
                if skipped
                else "none of its rule-set tests ran"
            )
            software = ", ".join(report.items("firewall_software")) or "firewall"
            return errored(
                f"cannot tell whether {host} filters traffic: Lynis reports {software} support "
                f"in the kernel but read no rule set — {why}"
            )
        return passed(f"{', '.join(read)} is active with rules (Lynis read the rule set)")
