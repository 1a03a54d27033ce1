"""The host reaches the hardening baseline."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, passed


class LynisHardeningIndex(LynisTest):
    """Passes when the Lynis hardening index is at least 70 (our baseline for servers). Fails
    below it. Errors when the report has no ``hardening_index``."""

    id = "lynis_hardening_index"
    title = "The host reaches the hardening baseline"
    control_ids = ("A.8.9",)
    severity = "medium"
    remediation = (
        "Work through the Lynis suggestions until the hardening index reaches the baseline, "
        "starting with warnings."
    )

    MINIMUM = 70

    def judge(self, report: LynisReport) -> Outcome:
        index = report.number("hardening_index")
        if index is None:
            return self.missing("hardening_index")
        if index < self.MINIMUM:
            return failed(
                f"hardening index {index} is below the baseline of {self.MINIMUM}",
                [self.host(report)],
            )
        return passed(f"hardening index {index} meets the baseline of {self.MINIMUM}")
