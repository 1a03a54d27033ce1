"""Members get no more than read access to repositories by default."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.github import refused, section, where

LEAST = ("none", "read")


class GithubDefaultPermission(GithubTest):
    """Passes when the organization's base repository permission is none or read. Fails when
    every member may write to (or administer) every repository by default. Errors when the
    snapshot does not say: GitHub shows it only to owners."""

    id = "github_default_permission"
    title = "GitHub base repository permission is none or read"
    control_ids = ("A.5.15", "A.8.3")
    severity = "medium"
    remediation = (
        "Set the organization's base permission to No permission or Read, and grant write "
        "access per repository through teams."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        organization = section(snapshot, "organization") or {}
        permission = organization.get("default_repository_permission")
        if permission is None:
            return self.missing(
                snapshot,
                "its base repository permission" + refused(snapshot, "organization"),
            )
        if permission in LEAST:
            return passed(f"{where(snapshot)} gives members {permission!s} access by default")
        return failed(
            f"{where(snapshot)} gives every member {permission} access to every repository",
            [snapshot.target],
        )
