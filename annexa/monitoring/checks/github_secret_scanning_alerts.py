"""No leaked secret awaits handling in the GitHub organization."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, shown, where


class GithubSecretScanningAlerts(GithubTest):
    """Passes when the organization has no open secret scanning alert. Fails naming the
    repositories with open alerts (a credential was committed and is not yet revoked or
    dismissed). Errors when the alerts could not be read."""

    id = "github_secret_scanning_alerts"
    title = "No open GitHub secret scanning alerts"
    control_ids = ("A.5.17", "A.8.12")
    severity = "high"
    remediation = (
        "Revoke and replace each exposed credential, then close the alert; remove the secret "
        "from the code and read it from a secrets store instead."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        alerts = section(snapshot, "secret_scanning_alerts")
        if alerts is None:
            return self.missing(
                snapshot,
                "whether secret scanning alerts are open"
                + refused(snapshot, "secret_scanning_alerts"),
            )
        per_repo = alerts.get("by_repository") or {}
        count = int(alerts.get("open") or 0)
        if count:
            repos = sorted(per_repo)
            return failed(
                f"{count} secret scanning alert(s) are open on {where(snapshot)}: {shown(repos)}",
                repos,
                max(len(repos), 1),
            )
        return passed(f"{where(snapshot)} has no open secret scanning alert")
