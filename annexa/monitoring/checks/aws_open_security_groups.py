"""No security group lets the whole internet reach SSH, RDP or every port."""

from __future__ import annotations

from typing import Any

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored

SENSITIVE_PORTS = {22: "SSH", 3389: "RDP"}


def exposures(group: dict[str, Any]) -> list[str]:
    """What of ``group`` is open to 0.0.0.0/0 or ::/0: every port, SSH, RDP."""
    found = []
    for rule in group.get("ingress", []):
        if not facts.world_ports(rule):
            continue
        if facts.every_port(rule):
            found.append("all ports")
            continue
        found += [name for port, name in SENSITIVE_PORTS.items() if facts.covers(rule, port)]
    return sorted(set(found))


class AwsOpenSecurityGroups(AwsTest):
    """Passes when no security group in the regions read allows ingress from 0.0.0.0/0 or
    ::/0 to SSH (22), RDP (3389) or all ports. Fails naming each such group and what it
    opens. Not applicable when there is no security group. Errors when the snapshot does not
    hold a region's security groups or AWS refused to list them."""

    id = "aws_open_security_groups"
    title = "Security groups do not open SSH, RDP or all ports to the internet"
    control_ids = ("A.8.20", "A.8.22")
    severity = "high"
    remediation = (
        "Remove the 0.0.0.0/0 and ::/0 sources from these rules; reach servers through "
        "Systems Manager Session Manager, a VPN or a bastion limited to known addresses."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        regions, problem = facts.regional(snapshot, "ec2", "security_groups", "the security groups")
        if problem:
            return errored(problem)
        groups = [(region, g) for region, found in regions for g in found.get("items", [])]
        return self.each(
            groups,
            lambda item: bool(exposures(item[1])),
            lambda item: (
                f"{item[1]['id']} {item[1].get('name')} ({item[0]}: "
                f"{', '.join(exposures(item[1]))})"
            ),
            noun="security groups",
            where=f"account {snapshot.target}",
        )
