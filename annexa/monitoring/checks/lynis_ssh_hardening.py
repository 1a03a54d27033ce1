"""SSH daemon settings are hardened."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class LynisSshHardening(LynisTest):
    """Passes when the SSH daemon runs and Lynis test SSH-7408 suggested no change to its
    settings. Fails when Lynis lists sshd_config options to harden (each option is a failing
    resource). Not applicable when no SSH daemon runs or SSH-7408 was skipped."""

    id = "lynis_ssh_hardening"
    title = "SSH daemon settings are hardened"
    control_ids = ("A.8.9", "A.8.20")
    severity = "medium"
    remediation = (
        "Apply the sshd_config settings Lynis lists (forwarding, authentication tries, "
        "log level, keep-alives) or record why a setting must stay."
    )

    def judge(self, report: LynisReport) -> Outcome:
        running = report.flag("ssh_daemon_running")
        if running is None:
            return self.missing("ssh_daemon_running")
        if not running or not report.ran("SSH-7408"):
            return not_applicable(f"no SSH daemon was audited on {self.host(report)}")
        options = sorted(
            {n.details.split(" ", 1)[0] for n in report.notices("SSH-7408") if n.details != "-"}
            - {"PermitRootLogin"}
        )
        if options:
            return failed(f"{len(options)} SSH setting(s) to harden: {', '.join(options)}", options)
        return passed("Lynis suggests no change to the SSH daemon settings")
