"""SSH accepts keys only, not passwords (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import SshdTest


class LinuxSshPasswordAuth(SshdTest):
    """Passes when sshd's effective PasswordAuthentication is no and passwords cannot come in
    through keyboard-interactive authentication either (it is off, or PAM is not used). Fails
    when PasswordAuthentication is yes, or keyboard-interactive authentication runs through
    PAM. Not applicable without an SSH daemon; an error when the settings could not be read."""

    id = "linux_ssh_password_auth"
    title = "SSH logins use keys, not passwords"
    control_ids = ("A.8.5",)
    severity = "high"
    remediation = (
        "Give every administrator an SSH key, then set PasswordAuthentication no and "
        "KbdInteractiveAuthentication no in sshd_config and reload sshd."
    )

    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        value = self.value(snapshot, settings, "passwordauthentication")
        if isinstance(value, Outcome):
            return value
        if value != "no":
            return failed(
                f"sshd on {snapshot.target} accepts passwords (PasswordAuthentication {value})",
                [snapshot.target],
            )
        keyboard = settings.get(
            "kbdinteractiveauthentication", settings.get("challengeresponseauthentication")
        )
        if keyboard == "yes" and settings.get("usepam") == "yes":
            return failed(
                f"sshd on {snapshot.target} still accepts passwords through PAM "
                "(KbdInteractiveAuthentication yes with UsePAM yes)",
                [snapshot.target],
            )
        return passed(f"sshd on {snapshot.target} does not accept passwords")
