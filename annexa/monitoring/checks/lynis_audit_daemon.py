"""The audit daemon records system events."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisAuditDaemon(LynisTest):
    """Passes when the Linux audit daemon (auditd) runs. Fails when it does not. Errors when the
    report lacks ``linux_auditd_running``."""

    id = "lynis_audit_daemon"
    title = "The audit daemon records system events"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = (
        "Install and enable auditd with rules for logins, privilege use and changes to "
        "security settings."
    )

    def judge(self, report: LynisReport) -> Outcome:
        running = report.flag("linux_auditd_running")
        if running is None:
            running = report.flag("audit_daemon_running")
        if running is None:
            return self.missing("linux_auditd_running")
        if not running:
            return failed(f"auditd does not run on {self.host(report)}", [self.host(report)])
        return passed("auditd runs")
