"""The clock is synchronised with time servers (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, errored, failed, passed
from annexa.monitoring.linux import LinuxSectionTest

DAEMONS = ("chronyd", "ntpd", "openntpd", "systemd-timesyncd")


class LinuxTimeSync(LinuxSectionTest):
    """Passes when timedatectl reports NTP synchronisation on, or a time daemon (chronyd,
    ntpd, openntpd, systemd-timesyncd) is running. Fails when neither is the case — no
    daemon runs and timedatectl says NTP is off or cannot be asked. An error when neither
    timedatectl nor the process list could be read."""

    id = "linux_time_sync"
    title = "The clock is synchronised with time servers"
    control_ids = ("A.8.17",)
    severity = "medium"
    remediation = (
        "Run a time daemon (chrony, or systemd-timesyncd with timedatectl set-ntp true) "
        "pointed at your organization's or a public NTP source."
    )
    section = "time"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        timedatectl = section.get("timedatectl") or {}
        running = section.get("running") or {}
        if timedatectl.get("NTP") == "yes":
            synced = timedatectl.get("NTPSynchronized") == "yes"
            state = "synchronised" if synced else "not synchronised yet"
            return passed(f"{snapshot.target} uses NTP ({state})")
        daemons = [d for d in DAEMONS if running.get(d)]
        if daemons:
            return passed(f"{snapshot.target} runs {', '.join(daemons)}")
        if not timedatectl.get("readable") and not running.get("readable"):
            return errored(
                f"neither timedatectl nor the process list of {snapshot.target} could be "
                "read, so this cannot be judged"
            )
        return failed(f"{snapshot.target} runs no time synchronisation daemon", [snapshot.target])
