"""The clock is synchronised."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisTimeSync(LynisTest):
    """Passes when an NTP daemon runs or Lynis found time synchronisation configured (daemon,
    scheduled or event-based). Fails when none is. Errors when the report has no NTP values."""

    id = "lynis_time_sync"
    title = "The clock is synchronised"
    control_ids = ("A.8.17",)
    severity = "medium"
    remediation = (
        "Run a time synchronisation service (systemd-timesyncd, chrony or ntpd) against "
        "approved time sources."
    )

    KEYS = (
        "ntp_daemon_running",
        "ntp_config_type_daemon",
        "ntp_config_type_scheduled",
        "ntp_config_type_eventbased",
    )

    def judge(self, report: LynisReport) -> Outcome:
        flags = [report.flag(key) for key in self.KEYS]
        if all(flag is None for flag in flags):
            return self.missing("ntp_daemon_running")
        if any(flags):
            daemon = report.get("ntp_daemon") or "time synchronisation"
            return passed(f"{daemon} keeps the clock synchronised")
        return failed(f"nothing synchronises the clock of {self.host(report)}", [self.host(report)])
