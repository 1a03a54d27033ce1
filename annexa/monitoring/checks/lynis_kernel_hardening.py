"""Kernel security parameters are hardened."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisKernelHardening(LynisTest):
    """Passes when Lynis test KRNL-6000 ran and every sysctl value matches its hardening
    profile. Fails when values differ (each sysctl key is a failing resource). Errors when
    KRNL-6000 did not run."""

    id = "lynis_kernel_hardening"
    title = "Kernel security parameters are hardened"
    control_ids = ("A.8.9",)
    severity = "medium"
    remediation = (
        "Set the listed sysctl parameters in /etc/sysctl.d/ to the hardened values and reload "
        "them (sysctl --system)."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("KRNL-6000"):
            return self.missing("tests_executed: KRNL-6000")
        keys = []
        for detail in report.items("details"):
            if detail.startswith("KRNL-6000|"):
                fields = dict(
                    part.split(":", 1) for part in detail.split("|")[2].split(";") if ":" in part
                )
                keys.append(f"{fields.get('field', '?')}={fields.get('value', '?')}")
        if keys:
            return failed(
                f"{len(keys)} kernel parameter(s) differ from the hardened values", keys, len(keys)
            )
        return passed("kernel parameters match the hardened values")
