"""sudo asks for a password (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed
from annexa.monitoring.linux import LinuxSectionTest


class LinuxSudoNopasswd(LinuxSectionTest):
    """Passes when no sudoers rule (in /etc/sudoers and the files it includes) carries
    NOPASSWD and no Defaults line turns authentication off (!authenticate). Fails naming the
    principals of each such rule. Not applicable when sudo is not installed; an error when
    sudoers or one of its included files could not be read (they are readable by root only)."""

    id = "linux_sudo_nopasswd"
    title = "Privilege elevation with sudo needs the user's password"
    control_ids = ("A.8.2", "A.8.18")
    severity = "medium"
    remediation = (
        "Remove NOPASSWD from sudoers rules for people (visudo); keep it only for narrowly "
        "scoped commands of service accounts, and remove Defaults !authenticate."
    )
    section = "accounts"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        sudoers = section.get("sudoers")
        if not isinstance(sudoers, dict):
            return self.missing(snapshot, "its sudoers rules")
        if sudoers.get("present") is False and not sudoers.get("installed"):
            return not_applicable(f"sudo is not installed on {snapshot.target}")
        if not sudoers.get("readable"):
            files = ", ".join(sudoers.get("unreadable_files", [])) or "/etc/sudoers"
            return self.unreadable(snapshot, files, sudoers)
        failing = [
            f"{','.join(rule['principals'])} ({rule['source']})"
            for rule in sudoers.get("rules", [])
            if rule.get("nopasswd")
        ]
        if sudoers.get("authenticate_disabled"):
            failing.append("Defaults !authenticate")
        if failing:
            return failed(
                f"sudo on {snapshot.target} elevates without a password for: "
                + ", ".join(failing[:5]),
                failing,
                len(sudoers.get("rules", [])) or 1,
            )
        rules = len(sudoers.get("rules", []))
        return passed(f"all {rules} sudo rule(s) on {snapshot.target} need a password")
