"""Only owners can make a GitHub repository public."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, shown, where


class GithubPublicRepos(GithubTest):
    """Passes when members cannot create public repositories, so publishing code is an
    owner's decision; the reason lists the public repositories for review. Fails when members
    may create public repositories. Errors when the snapshot does not say."""

    id = "github_public_repos"
    title = "GitHub members cannot create public repositories"
    control_ids = ("A.8.3", "A.5.12")
    severity = "medium"
    remediation = (
        "In the organization's member privileges, allow members to create private (and "
        "internal) repositories only; review each public repository against the "
        "classification of what it holds."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        organization = section(snapshot, "organization") or {}
        allowed = organization.get("members_can_create_public_repositories")
        if allowed is None:
            return self.missing(
                snapshot,
                "whether members may create public repositories"
                + refused(snapshot, "organization"),
            )
        repos = (section(snapshot, "repositories") or {}).get("items", [])
        public = [str(r.get("name")) for r in repos if r.get("visibility") == "public"]
        listed = f"{len(public)} public repositories" + (f": {shown(public)}" if public else "")
        if allowed:
            return failed(
                f"members of {where(snapshot)} may create public repositories ({listed})",
                [snapshot.target],
            )
        return passed(f"only owners of {where(snapshot)} can publish repositories ({listed})")
