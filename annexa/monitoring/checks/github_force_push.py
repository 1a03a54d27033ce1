"""Default branches refuse force pushes."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.github import GithubRepositoryTest, protection


class GithubForcePush(GithubRepositoryTest):
    """Passes when the default branch of every active repository is protected and refuses
    force pushes, so its history cannot be rewritten. Fails naming the repositories whose
    default branch allows force pushes (an unprotected branch allows them to anyone with
    write access). Not applicable without active repositories. Errors when a protection
    could not be read."""

    id = "github_force_push"
    title = "GitHub default branches refuse force pushes"
    control_ids = ("A.8.32",)
    severity = "medium"
    remediation = (
        "Protect the default branch and leave Allow force pushes switched off, for "
        "administrators too."
    )
    what = "whether their default branch accepts force pushes"

    def verdict(self, repo: dict[str, Any]) -> bool | None:
        rule = protection(repo)
        if rule is None:
            return None
        return not rule.get("protected") or bool(rule.get("allow_force_pushes"))
