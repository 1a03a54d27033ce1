"""Only root has user id 0 (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest


class LinuxUid0Accounts(LinuxSectionTest):
    """Passes when root is the only account with user id 0 in /etc/passwd. Fails naming every
    other account with uid 0 (each has full control of the host under another name). An error
    when /etc/passwd could not be read."""

    id = "linux_uid0_accounts"
    title = "Only root has superuser identity"
    control_ids = ("A.8.2",)
    severity = "high"
    remediation = (
        "Give each extra uid 0 account its own uid (usermod -u) or remove it; grant "
        "administrators privileges through sudo instead."
    )
    section = "accounts"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        if not (section.get("passwd") or {}).get("readable") or "uid0" not in section:
            return self.unreadable(snapshot, "/etc/passwd", section.get("passwd"))
        others = sorted(name for name in section["uid0"] if name != "root")
        if others:
            return failed(
                f"{len(others)} account(s) besides root have uid 0 on {snapshot.target}: "
                + ", ".join(others),
                others,
                len(section["uid0"]),
            )
        return passed(f"only root has uid 0 on {snapshot.target}")
