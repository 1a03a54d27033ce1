"""A host firewall filters incoming traffic (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest

DROPPING = ("drop", "reject", "DROP", "REJECT")


def filtering(name: str, fact: dict[str, Any]) -> bool:
    """Does one tool's reading show incoming traffic being filtered?"""
    if name == "nftables":
        return any(
            chain.get("hook") == "input" and (chain.get("policy") == "drop" or chain["rules"])
            for chain in fact.get("chains", [])
        )
    if name in ("iptables", "ip6tables"):
        return fact.get("policies", {}).get("INPUT") in DROPPING or bool(
            fact.get("rules", {}).get("INPUT")
        )
    if name == "ufw":
        return bool(fact.get("active"))
    return False


class LinuxFirewallActive(LinuxSectionTest):
    """Passes when a firewall filters incoming traffic: an nftables input chain that drops by
    default or has rules, an iptables INPUT chain with a DROP/REJECT policy or rules, or an
    active ufw. Fails when the tools that could be read show no filtering, or no firewall tool
    is installed at all. An error when a tool is installed but could not be read (nft and
    iptables need root) and none of the readable ones filters."""

    id = "linux_firewall_active"
    title = "A host firewall filters incoming traffic"
    control_ids = ("A.8.20",)
    severity = "high"
    remediation = (
        "Enable a host firewall that drops incoming traffic by default and allows only the "
        "services the host offers (nftables, or ufw/firewalld on top of it)."
    )
    section = "firewall"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        tools = {n: f for n, f in sorted(section.items()) if isinstance(f, dict)}
        if not tools:
            return self.missing(snapshot, "its firewall")
        active = [n for n, f in tools.items() if f.get("readable") and filtering(n, f)]
        if active:
            return passed(f"{snapshot.target} filters incoming traffic ({', '.join(active)})")
        blocked = [n for n, f in tools.items() if not f.get("readable") and f.get("installed")]
        if blocked:
            return self.unreadable(snapshot, ", ".join(blocked), tools[blocked[0]])
        read = [n for n, f in tools.items() if f.get("readable")]
        detail = f"read: {', '.join(read)}" if read else "no firewall tool is installed"
        return failed(
            f"{snapshot.target} does not filter incoming traffic ({detail})", [snapshot.target]
        )
