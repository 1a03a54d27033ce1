"""Changes to critical files are detected."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisFileIntegrity(LynisTest):
    """Passes when Lynis test FINT-4350 ran and found a file integrity tool. Fails when it
    suggests installing one. Errors when FINT-4350 did not run."""

    id = "lynis_file_integrity"
    title = "Changes to critical files are detected"
    control_ids = ("A.8.16",)
    severity = "medium"
    remediation = (
        "Install a file integrity tool (AIDE, Tripwire, Samhain), initialise its database and "
        "check it daily."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("FINT-4350"):
            return self.missing("tests_executed: FINT-4350")
        if report.notices("FINT-4350"):
            return failed(
                f"no file integrity tool watches {self.host(report)}", [self.host(report)]
            )
        return passed("a file integrity tool watches critical files")
