"""Installed software is inventoried."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisInstalledPackagesInventory(LynisTest):
    """Passes when the report lists the host's installed packages (an inventory of its
    software). Fails when it reports no installed package at all. Errors when the report holds
    neither the package list nor a package count."""

    id = "lynis_installed_packages_inventory"
    title = "Installed software is inventoried"
    control_ids = ("A.5.9",)
    severity = "low"
    remediation = "Run Lynis with its package tests so the report lists the installed packages."

    def judge(self, report: LynisReport) -> Outcome:
        packages = report.installed_packages
        count = len(packages) or report.number("installed_packages")
        if count is None:
            return self.missing("installed_packages")
        if count == 0:
            return failed(f"no installed package is listed for {self.host(report)}")
        return passed(f"{count} installed packages are inventoried on {self.host(report)}", count)
