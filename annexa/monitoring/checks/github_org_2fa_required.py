"""The GitHub organization requires two-factor authentication."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, where


class GithubOrg2faRequired(GithubTest):
    """Passes when the organization requires two-factor authentication of its members and
    outside collaborators. Fails when it does not. Errors when the snapshot does not say:
    GitHub shows this setting only to owners with the admin:org scope."""

    id = "github_org_2fa_required"
    title = "GitHub organization requires two-factor authentication"
    control_ids = ("A.8.5", "A.5.17")
    severity = "high"
    remediation = (
        "In the organization's Authentication security settings, require two-factor "
        "authentication; warn members without it first, as GitHub removes them from the "
        "organization when the requirement is switched on."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        organization = section(snapshot, "organization") or {}
        required = organization.get("two_factor_requirement_enabled")
        if required is None:
            return self.missing(
                snapshot,
                "whether two-factor authentication is required" + refused(snapshot, "organization"),
            )
        if required:
            return passed(f"{where(snapshot)} requires two-factor authentication")
        return failed(
            f"{where(snapshot)} does not require two-factor authentication", [snapshot.target]
        )
