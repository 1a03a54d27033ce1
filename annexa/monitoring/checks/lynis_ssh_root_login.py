"""SSH refuses direct root logins."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class LynisSshRootLogin(LynisTest):
    """Passes when the SSH daemon runs and Lynis raised nothing about PermitRootLogin (test
    SSH-7408). Fails when Lynis reports that PermitRootLogin allows root to log in. Not
    applicable when no SSH daemon runs or SSH-7408 was skipped."""

    id = "lynis_ssh_root_login"
    title = "SSH refuses direct root logins"
    control_ids = ("A.8.2", "A.8.5")
    severity = "high"
    remediation = (
        "Set PermitRootLogin no (or prohibit-password) in sshd_config; administrators log in "
        "with their own account and elevate with sudo."
    )

    def judge(self, report: LynisReport) -> Outcome:
        running = report.flag("ssh_daemon_running")
        if running is None:
            return self.missing("ssh_daemon_running")
        if not running or not report.ran("SSH-7408"):
            return not_applicable(f"no SSH daemon was audited on {self.host(report)}")
        notices = [n for n in report.notices("SSH-7408") if "PermitRootLogin" in n.details + n.text]
        if notices:
            return failed(
                f"SSH on {self.host(report)} lets root log in directly", [self.host(report)]
            )
        return passed(f"SSH on {self.host(report)} refuses direct root logins")
