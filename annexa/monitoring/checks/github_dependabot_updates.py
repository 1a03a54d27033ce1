"""Dependabot security updates are switched on for every GitHub repository."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.github import GithubRepositoryTest


class GithubDependabotUpdates(GithubRepositoryTest):
    """Passes when Dependabot security updates are enabled on every active repository, so a
    pull request follows each vulnerable dependency. Fails naming the repositories where they
    are disabled. Not applicable without active repositories. Errors when GitHub did not
    report the setting (it shows it to repository administrators only)."""

    id = "github_dependabot_updates"
    title = "GitHub Dependabot security updates are enabled"
    control_ids = ("A.8.8",)
    severity = "medium"
    remediation = (
        "Enable Dependabot alerts and security updates for all repositories, for example "
        "through the organization's code security configuration."
    )
    what = "whether Dependabot security updates are enabled"

    def verdict(self, repo: dict[str, Any]) -> bool | None:
        status = (repo.get("security_and_analysis") or {}).get("dependabot_security_updates")
        return None if status is None else status != "enabled"
