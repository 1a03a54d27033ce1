"""SSH refuses accounts with an empty password (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import SshdTest


class LinuxSshEmptyPasswords(SshdTest):
    """Passes when sshd's effective PermitEmptyPasswords is no. Fails when it is yes (an
    account without a password could log in over the network). Not applicable without an SSH
    daemon; an error when the setting could not be read."""

    id = "linux_ssh_empty_passwords"
    title = "SSH refuses accounts with an empty password"
    control_ids = ("A.8.5",)
    severity = "critical"
    remediation = "Set PermitEmptyPasswords no in sshd_config and reload sshd."

    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        value = self.value(snapshot, settings, "permitemptypasswords")
        if isinstance(value, Outcome):
            return value
        if value == "no":
            return passed(f"sshd on {snapshot.target} refuses empty passwords")
        return failed(
            f"sshd on {snapshot.target} accepts empty passwords (PermitEmptyPasswords {value})",
            [snapshot.target],
        )
