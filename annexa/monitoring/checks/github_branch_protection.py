"""Default branches of GitHub repositories are protected."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.github import GithubRepositoryTest, protection


class GithubBranchProtection(GithubRepositoryTest):
    """Passes when the default branch of every active (not archived) repository has a branch
    protection rule. Fails naming the repositories whose default branch is unprotected. Not
    applicable without active repositories. Errors when GitHub refused to show a protection
    (no admin right on the repository, or a plan without protected private branches)."""

    id = "github_branch_protection"
    title = "GitHub default branches are protected"
    control_ids = ("A.8.32", "A.8.4")
    severity = "high"
    remediation = (
        "Add a branch protection rule (or a ruleset) for the default branch of each listed "
        "repository, so changes arrive through reviewed pull requests."
    )
    what = "whether their default branch is protected"

    def verdict(self, repo: dict[str, Any]) -> bool | None:
        rule = protection(repo)
        if rule is None:
            return None
        return not rule.get("protected")
