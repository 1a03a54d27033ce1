"""SSH limits login attempts and the time to log in (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import SshdTest

MAX_TRIES = 4
MAX_GRACE = 60


class LinuxSshAuthLimits(SshdTest):
    """Passes when sshd allows at most 4 authentication attempts per connection
    (MaxAuthTries) and at most 60 seconds to complete a login (LoginGraceTime, 0 meaning no
    limit). Fails naming the setting that is too generous. Not applicable without an SSH
    daemon; an error when the settings could not be read."""

    id = "linux_ssh_auth_limits"
    title = "SSH limits login attempts and login time"
    control_ids = ("A.8.5",)
    severity = "low"
    remediation = (
        "Set MaxAuthTries 4 (or fewer) and LoginGraceTime 60 (or less) in sshd_config, so "
        "password guessing and idle half-open logins are cut short."
    )

    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        tries = self.value(snapshot, settings, "maxauthtries")
        grace = self.value(snapshot, settings, "logingracetime")
        for value in (tries, grace):
            if isinstance(value, Outcome):
                return value
        problems = []
        if not isinstance(tries, int) or tries > MAX_TRIES:
            problems.append(f"MaxAuthTries {tries}")
        if not isinstance(grace, int) or grace == 0 or grace > MAX_GRACE:
            problems.append(f"LoginGraceTime {grace}")
        if problems:
            return failed(
                f"sshd on {snapshot.target} is too generous: {', '.join(problems)}", problems
            )
        return passed(f"sshd on {snapshot.target} allows {tries} attempts within {grace} seconds")
