"""Secret scanning is switched on for every GitHub repository."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.github import GithubRepositoryTest


class GithubSecretScanning(GithubRepositoryTest):
    """Passes when secret scanning is enabled on every active repository, so committed keys
    and tokens are detected. Fails naming the repositories where it is disabled. Not
    applicable without active repositories. Errors when GitHub did not report the setting
    (it shows it to repository administrators only)."""

    id = "github_secret_scanning"
    title = "GitHub secret scanning is enabled on every repository"
    control_ids = ("A.8.12", "A.8.24")
    severity = "high"
    remediation = (
        "Enable secret scanning (and push protection) for all repositories, for example "
        "through the organization's code security configuration."
    )
    what = "whether secret scanning is enabled"

    def verdict(self, repo: dict[str, Any]) -> bool | None:
        status = (repo.get("security_and_analysis") or {}).get("secret_scanning")
        return None if status is None else status != "enabled"
