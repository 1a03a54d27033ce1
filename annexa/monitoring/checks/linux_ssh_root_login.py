"""SSH refuses password logins as root (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import SshdTest

SAFE = ("no", "prohibit-password", "forced-commands-only")


class LinuxSshRootLogin(SshdTest):
    """Passes when sshd's effective PermitRootLogin is no, prohibit-password or
    forced-commands-only (root can never log in with a password). Fails when it is yes. Not
    applicable when no SSH daemon is installed or the sshd section was not read; an error when
    the setting could not be read."""

    id = "linux_ssh_root_login"
    title = "SSH refuses password logins as root"
    control_ids = ("A.8.2", "A.8.5")
    severity = "high"
    remediation = (
        "Set PermitRootLogin no in sshd_config (prohibit-password if an automated job must "
        "log in as root with a key); administrators log in as themselves and use sudo."
    )

    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        value = self.value(snapshot, settings, "permitrootlogin")
        if isinstance(value, Outcome):
            return value
        if value in SAFE:
            return passed(f"sshd on {snapshot.target} has PermitRootLogin {value}")
        return failed(
            f"sshd on {snapshot.target} lets root log in with a password (PermitRootLogin {value})",
            [snapshot.target],
        )
