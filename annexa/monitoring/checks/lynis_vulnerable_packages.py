"""No installed package has a known vulnerability."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisVulnerablePackages(LynisTest):
    """Passes when the package audit tool found no vulnerable installed package. Fails when it
    found some (each package is a failing resource). Errors when the report lacks
    ``vulnerable_packages_found``."""

    id = "lynis_vulnerable_packages"
    title = "No installed package has a known vulnerability"
    control_ids = ("A.8.8",)
    severity = "high"
    remediation = (
        "Install the pending security updates (apt-get upgrade or unattended-upgrades) and "
        "re-run the audit."
    )

    def judge(self, report: LynisReport) -> Outcome:
        found = report.flag("vulnerable_packages_found")
        if found is None:
            return self.missing("vulnerable_packages_found")
        packages = report.items("vulnerable_package")
        if found or packages:
            count = len(packages) or 1
            return failed(
                f"{count} installed package(s) have known vulnerabilities", packages, count
            )
        return passed("no installed package has a known vulnerability")
