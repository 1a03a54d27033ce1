"""The GitHub organization has few owners."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, shown, where

MAX_OWNERS = 3


class GithubAdminCount(GithubTest):
    """Passes when the organization has between one and three owners (full administrative
    rights over every repository, member and setting). Fails naming the owners when there are
    more than three, or when none is listed. Errors when the members could not be read."""

    id = "github_admin_count"
    title = "GitHub organization owners are kept to a few"
    control_ids = ("A.8.2",)
    severity = "medium"
    remediation = (
        "Keep two or three owners for continuity and give everyone else the member role, with "
        "repository or team permissions for what they maintain."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        members = section(snapshot, "members")
        if members is None:
            return self.missing(snapshot, "who its owners are" + refused(snapshot, "members"))
        owners = [str(m.get("login")) for m in members.get("items", []) if m.get("privileged")]
        if not owners:
            return failed(f"{where(snapshot)} lists no owner", [snapshot.target])
        if len(owners) > MAX_OWNERS:
            return failed(
                f"{where(snapshot)} has {len(owners)} owners, more than {MAX_OWNERS}: "
                f"{shown(owners)}",
                owners,
                len(owners),
            )
        return passed(
            f"{where(snapshot)} has {len(owners)} owner(s): {', '.join(owners)}", len(owners)
        )
