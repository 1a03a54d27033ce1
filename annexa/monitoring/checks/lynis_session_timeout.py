"""Idle shell sessions time out."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisSessionTimeout(LynisTest):
    """Passes when Lynis found an idle timeout for shell sessions. Fails when idle sessions
    stay open. Errors when the report lacks ``session_timeout_enabled``."""

    id = "lynis_session_timeout"
    title = "Idle shell sessions time out"
    control_ids = ("A.8.5",)
    severity = "low"
    remediation = (
        "Set TMOUT (readonly) in /etc/profile.d/ so idle shells close, for example after 15 "
        "minutes."
    )

    def judge(self, report: LynisReport) -> Outcome:
        enabled = report.flag("session_timeout_enabled")
        if enabled is None:
            return self.missing("session_timeout_enabled")
        if not enabled:
            return failed(f"idle shells never time out on {self.host(report)}", [self.host(report)])
        return passed("idle shell sessions time out")
