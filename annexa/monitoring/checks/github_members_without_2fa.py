"""Every member of the GitHub organization uses two-factor authentication."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, shown, where


class GithubMembersWithout2fa(GithubTest):
    """Passes when GitHub lists no member of the organization without two-factor
    authentication. Fails naming the members who have it disabled. Errors when the list could
    not be read: only organization owners may see it."""

    id = "github_members_without_2fa"
    title = "GitHub members use two-factor authentication"
    control_ids = ("A.8.5",)
    severity = "high"
    remediation = (
        "Ask the listed members to enable two-factor authentication (an authenticator app or "
        "a security key), then require it for the whole organization."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        listing = section(snapshot, "members_without_2fa")
        if listing is None:
            return self.missing(
                snapshot,
                "which members lack two-factor authentication"
                + refused(snapshot, "members_without_2fa"),
            )
        logins = list(listing.get("logins", []))
        members = (section(snapshot, "members") or {}).get("items", [])
        count = max(len(members), len(logins), 1)
        if logins:
            return failed(
                f"{len(logins)} member(s) of {where(snapshot)} have two-factor authentication "
                f"disabled: {shown(logins)}",
                logins,
                count,
            )
        return passed(f"every member of {where(snapshot)} uses two-factor authentication", count)
