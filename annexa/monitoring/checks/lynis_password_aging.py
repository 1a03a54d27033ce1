"""Passwords have a maximum age."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisPasswordAging(LynisTest):
    """Passes when /etc/login.defs sets a maximum password age between 1 and 365 days
    (``password_max_days``). Fails when passwords never expire (-1 or 0) or may be kept longer
    than a year. Errors when the report does not contain the value."""

    id = "lynis_password_aging"
    title = "Passwords have a maximum age"
    control_ids = ("A.5.17",)
    severity = "medium"
    remediation = (
        "Set PASS_MAX_DAYS in /etc/login.defs (for example 365) and apply it to existing "
        "accounts with chage."
    )

    MAXIMUM = 365

    def judge(self, report: LynisReport) -> Outcome:
        days = report.number("password_max_days")
        if days is None:
            return self.missing("password_max_days")
        if days <= 0:
            return failed(f"passwords on {self.host(report)} never expire", [self.host(report)])
        if days > self.MAXIMUM:
            return failed(f"passwords may be kept {days} days (more than {self.MAXIMUM})")
        return passed(f"passwords expire after {days} days")
