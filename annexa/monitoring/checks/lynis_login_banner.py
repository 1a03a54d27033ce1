"""Login banners state the terms of use."""

from __future__ import annotations

from annexa.connectors.formats.lynis import LynisReport
from annexa.monitoring.families import LynisTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class LynisLoginBanner(LynisTest):
    """Passes when Lynis test BANN-7126 ran and found legal banners. Fails when it suggests
    adding a banner to /etc/issue or /etc/issue.net. Not applicable when BANN-7126 did not
    run."""

    id = "lynis_login_banner"
    title = "Login banners state the terms of use"
    control_ids = ("A.5.10",)
    severity = "low"
    remediation = (
        "Put a short legal notice in /etc/issue and /etc/issue.net that states authorised use "
        "only and monitoring."
    )

    def judge(self, report: LynisReport) -> Outcome:
        if not report.ran("BANN-7126"):
            return not_applicable("Lynis did not check the login banners")
        files = report.items("weak_banner_file")
        if report.notices("BANN-7126", "BANN-7130"):
            return failed(
                "the login banners do not state the terms of use", files or ["/etc/issue"]
            )
        return passed("login banners state the terms of use")
