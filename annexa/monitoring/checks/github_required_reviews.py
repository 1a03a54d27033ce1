"""Changes to default branches need an approving review."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.github import GithubRepositoryTest, protection


class GithubRequiredReviews(GithubRepositoryTest):
    """Passes when the default branch of every active repository requires pull requests with
    at least one approving review. Fails naming the repositories whose default branch is
    unprotected or protected without a required approval. Not applicable without active
    repositories. Errors when a protection could not be read."""

    id = "github_required_reviews"
    title = "GitHub default branches require an approving review"
    control_ids = ("A.8.28", "A.8.32")
    severity = "high"
    remediation = (
        "In the default branch's protection rule, require a pull request before merging with "
        "at least one approval, and dismiss approvals when new commits are pushed."
    )
    what = "whether their default branch requires a review"

    def verdict(self, repo: dict[str, Any]) -> bool | None:
        rule = protection(repo)
        if rule is None:
            return None
        if not rule.get("protected"):
            return True
        return int(rule.get("required_approving_review_count") or 0) < 1
