"""No local account has an empty password (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome
from annexa.monitoring.linux import LinuxSectionTest


class LinuxAccountsWithoutPassword(LinuxSectionTest):
    """Passes when no local account has an empty password (in /etc/shadow or /etc/passwd):
    every account has a password set or is locked. Fails naming each account that anyone
    could log in to without a password. An error when /etc/shadow could not be read (it is
    readable by root only)."""

    id = "linux_accounts_without_password"
    title = "No local account has an empty password"
    control_ids = ("A.5.17",)
    severity = "critical"
    remediation = "Set a password on each listed account (passwd NAME) or lock it (passwd -l NAME)."
    section = "accounts"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        shadow = section.get("shadow") or {}
        if not shadow.get("readable") or not isinstance(section.get("users"), list):
            return self.unreadable(snapshot, "/etc/shadow", shadow)
        return self.each(
            section["users"],
            lambda user: user.get("password") == "empty",
            lambda user: str(user.get("name")),
            noun="accounts",
            where=snapshot.target,
        )
