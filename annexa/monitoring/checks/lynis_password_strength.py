"""Password strength is enforced."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisPasswordStrength(LynisTest):
    """Passes when Lynis test AUTH-9262 ran and found a PAM module that checks password
    strength. Fails when it suggests installing one. Errors when AUTH-9262 did not run."""

    id = "lynis_password_strength"
    title = "Password strength is enforced"
    control_ids = ("A.5.17",)
    severity = "medium"
    remediation = (
        "Install and configure a PAM password quality module (pam_pwquality or pam_passwdqc)."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("AUTH-9262"):
            return self.missing("tests_executed: AUTH-9262")
        if report.notices("AUTH-9262"):
            return failed(
                f"{self.host(report)} does not check password strength", [self.host(report)]
            )
        return passed("a PAM module checks the strength of new passwords")
