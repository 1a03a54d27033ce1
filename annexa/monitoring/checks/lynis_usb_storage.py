"""USB storage is disabled where not needed."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class LynisUsbStorage(LynisTest):
    """Passes when Lynis test USB-1000 ran without suggesting to disable USB storage. Fails
    when it suggests disabling the driver. Not applicable when USB-1000 did not run."""

    id = "lynis_usb_storage"
    title = "USB storage is disabled where not needed"
    control_ids = ("A.7.10",)
    severity = "low"
    remediation = (
        "Blacklist the usb-storage kernel module on servers (or control removable media with "
        "USBGuard)."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("USB-1000"):
            return not_applicable("Lynis did not check USB storage")
        if report.notices("USB-1000"):
            return failed(f"USB storage is usable on {self.host(report)}", [self.host(report)])
        return passed("USB storage is disabled")
