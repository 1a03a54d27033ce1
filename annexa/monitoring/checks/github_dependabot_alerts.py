"""No critical or high Dependabot alert is open in the GitHub organization."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, shown, where


class GithubDependabotAlerts(GithubTest):
    """Passes when no critical or high severity Dependabot alert is open (medium and low ones
    are reported in the reason). Fails naming the alerts of critical or high severity. Errors
    when the alerts could not be read (the token needs the Dependabot alerts permission)."""

    id = "github_dependabot_alerts"
    title = "No open critical or high Dependabot alerts"
    control_ids = ("A.8.8",)
    severity = "high"
    remediation = (
        "Upgrade the vulnerable dependencies named by the alerts (Dependabot can open the pull "
        "requests), or dismiss an alert with a recorded reason when the code is not affected."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        alerts = section(snapshot, "dependabot_alerts")
        if alerts is None:
            return self.missing(
                snapshot,
                "which Dependabot alerts are open" + refused(snapshot, "dependabot_alerts"),
            )
        counts = alerts.get("by_severity") or {}
        serious = [
            f"{a.get('repository')}#{a.get('number')} {a.get('package')} ({a.get('severity')})"
            for a in alerts.get("serious", [])
        ]
        total = int(counts.get("critical", 0)) + int(counts.get("high", 0))
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if total:
            return failed(
                f"{total} critical or high Dependabot alert(s) are open on {where(snapshot)}: "
                f"{shown(serious)}",
                serious,
                max(int(alerts.get("open") or 0), total),
            )
        return passed(
            f"no critical or high Dependabot alert is open on {where(snapshot)}"
            + (f" (open: {summary})" if summary else ""),
            max(int(alerts.get("open") or 0), 1),
        )
