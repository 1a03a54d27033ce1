"""Security updates are applied automatically."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class LynisAutomaticUpdates(LynisTest):
    """Passes when Lynis test PKGS-7420 ran and raised nothing: a tool applies updates
    automatically. Fails when it suggests adding one. Not applicable when PKGS-7420 did not
    run (it applies to some package managers only)."""

    id = "lynis_automatic_updates"
    title = "Security updates are applied automatically"
    control_ids = ("A.8.8",)
    severity = "medium"
    remediation = (
        "Install and enable unattended-upgrades (Debian/Ubuntu) or dnf-automatic (Fedora/RHEL)."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("PKGS-7420"):
            return not_applicable("Lynis did not check automatic updates on this system")
        if report.notices("PKGS-7420"):
            return failed(f"{self.host(report)} does not install updates automatically")
        return passed("updates are applied automatically")
