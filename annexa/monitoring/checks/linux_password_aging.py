"""Passwords of new accounts expire within a year (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest

MAX_DAYS = 365


class LinuxPasswordAging(LinuxSectionTest):
    """Passes when /etc/login.defs sets PASS_MAX_DAYS between 1 and 365, so passwords of
    accounts created from now on expire within a year. Fails when it is larger, negative or
    not set (login.defs then means "never"). An error when login.defs could not be read; not
    applicable when the login section was not read."""

    id = "linux_password_aging"
    title = "Local passwords expire within a year"
    control_ids = ("A.5.17",)
    severity = "low"
    remediation = (
        "Set PASS_MAX_DAYS 365 (or your policy's period) in /etc/login.defs, and apply it to "
        "existing accounts with chage --maxdays."
    )
    section = "login"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        login_defs = section.get("login_defs") or {}
        if not login_defs.get("readable"):
            return self.unreadable(snapshot, "/etc/login.defs", login_defs)
        days = (login_defs.get("values") or {}).get("PASS_MAX_DAYS")
        if isinstance(days, int) and 0 < days <= MAX_DAYS:
            return passed(f"passwords on {snapshot.target} expire after {days} days")
        shown = "not set" if days is None else days
        return failed(
            f"passwords on {snapshot.target} do not expire within a year (PASS_MAX_DAYS {shown})",
            [f"PASS_MAX_DAYS={shown}"],
        )
