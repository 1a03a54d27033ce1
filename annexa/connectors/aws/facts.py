"""Reading the ``aws`` snapshot's shape (see ``reader``) for the ``aws_*`` control tests.

These helpers only find facts and say why a fact cannot be had; judging is the tests' job.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from annexa.connectors.formats.snapshot import Snapshot

WORLD = ("0.0.0.0/0", "::/0")


def read(snapshot: Snapshot, path: str, what: str) -> tuple[dict[str, Any] | None, str]:
    """The section at ``path`` and ``""``; or None and why it cannot be judged (absent, or
    AWS refused to show it)."""
    found = snapshot.get(path)
    if not isinstance(found, dict):
        return None, (
            f"the AWS account snapshot of {snapshot.target} does not say {what}, so this "
            "cannot be judged; check that the connector's account may read it"
        )
    if not found.get("readable", False):
        return None, refused(snapshot, found, what)
    return found, ""


def refused(snapshot: Snapshot, found: dict[str, Any], what: str) -> str:
    return (
        f"AWS did not show {what} of account {snapshot.target} "
        f"({found.get('error') or 'no reason given'}), so this cannot be judged; allow the "
        "connector's user or role to read it"
    )


def regional(
    snapshot: Snapshot, service: str, part: str | None, what: str
) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """``(region, section)`` for each region of ``service`` (``part`` within it, for EC2);
    or [] and why one region cannot be judged."""
    regions = snapshot.get(service)
    if not isinstance(regions, dict) or not regions:
        return [], read(snapshot, service, what)[1] or f"no region of {service} was read"
    found = []
    for region in sorted(regions):
        path = f"{service}.{region}" + (f".{part}" if part else "")
        item, problem = read(snapshot, path, f"{what} in {region}")
        if problem:
            return [], problem
        found.append((region, item))
    return found, ""


def days_before(day: str | None, as_of: dt.date) -> int | None:
    """How many days ``day`` (``YYYY-MM-DD``) lies before ``as_of``; None without a day."""
    if not day:
        return None
    return (as_of - dt.date.fromisoformat(day)).days


def world_ports(rule: dict[str, Any]) -> bool:
    """Does the stored ingress rule admit the whole internet?"""
    return any(cidr in WORLD for cidr in rule.get("cidrs", []))


def covers(rule: dict[str, Any], port: int) -> bool:
    """Does the rule admit TCP or UDP ``port``? (Protocol "-1" is all traffic.)"""
    protocol = str(rule.get("protocol"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "udp", "6", "17"):
        return False
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None or high is None:
        return True  # a TCP/UDP rule without ports admits every port
    return low <= port <= high


def every_port(rule: dict[str, Any]) -> bool:
    """Does the rule admit all traffic, or every TCP or UDP port?"""
    return str(rule.get("protocol")) == "-1" or (covers(rule, 0) and covers(rule, 65535))
