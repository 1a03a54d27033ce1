"""Logs are rotated and kept."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisLogRotation(LynisTest):
    """Passes when Lynis found a log rotation configuration. Fails when it found none. Errors
    when the report lacks ``log_rotation_config_found``."""

    id = "lynis_log_rotation"
    title = "Logs are rotated and kept"
    control_ids = ("A.8.15",)
    severity = "low"
    remediation = (
        "Configure logrotate (or journald limits) so logs are rotated and kept for the "
        "retention period."
    )

    def judge(self, report: LynisReport) -> Outcome:
        found = report.flag("log_rotation_config_found")
        if found is None:
            return self.missing("log_rotation_config_found")
        if not found:
            return failed(f"logs of {self.host(report)} are not rotated", [self.host(report)])
        tool = report.get("log_rotation_tool") or "a rotation tool"
        return passed(f"logs are rotated by {tool}")
