"""A logging daemon collects system messages."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisSyslogRunning(LynisTest):
    """Passes when Lynis test LOGG-2130 ran and raised nothing about the logging daemons
    (LOGG-2130, LOGG-2138). Fails when it reports that no syslog daemon runs or kernel messages
    may be lost. Errors when LOGG-2130 did not run."""

    id = "lynis_syslog_running"
    title = "A logging daemon collects system messages"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = (
        "Run a syslog daemon (rsyslog or systemd-journald with forwarding) and make sure "
        "kernel messages are collected."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("LOGG-2130"):
            return self.missing("tests_executed: LOGG-2130")
        notices = report.notices("LOGG-2130", "LOGG-2138")
        if notices:
            return failed("; ".join(n.text for n in notices), [self.host(report)])
        return passed("a logging daemon collects system and kernel messages")
