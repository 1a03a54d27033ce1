"""PASS, FAIL and empty-input cases of the github snapshot tests (see ``cases``).

Each record list holds one ``Snapshot``; the empty case is a snapshot with no data.
"""

from __future__ import annotations

import copy

from annexa.connectors.formats.snapshot import Snapshot

ERROR = "error"
ORG = "kestrel-labs"


def repo(name: str, **changes) -> dict:
    """One active repository as the connector records it: protected, reviewed, scanned."""
    base = {
        "name": name,
        "full_name": f"{ORG}/{name}",
        "private": True,
        "visibility": "private",
        "archived": False,
        "fork": False,
        "default_branch": "main",
        "security_and_analysis": {
            "advanced_security": "enabled",
            "secret_scanning": "enabled",
            "secret_scanning_push_protection": "enabled",
            "dependabot_security_updates": "enabled",
        },
        "branch_protection": {
            "readable": True,
            "protected": True,
            "required_approving_review_count": 1,
            "pull_request_reviews_required": True,
            "dismiss_stale_reviews": True,
            "enforce_admins": True,
            "allow_force_pushes": False,
            "allow_deletions": False,
            "required_status_checks": True,
        },
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def member(login: str, owner: bool = False, mfa: bool | None = True) -> dict:
    return {
        "login": login,
        "id": sum(map(ord, login)),
        "type": "User",
        "site_admin": False,
        "name": login,
        "role": "owner" if owner else "member",
        "privileged": owner,
        "mfa": mfa,
    }


def organization(**changes) -> dict:
    """A well-run organization; ``changes`` replace top-level sections or their keys."""
    data = {
        "api_url": "https://api.github.com",
        "organization": {
            "readable": True,
            "login": ORG,
            "name": "Kestrel Labs",
            "plan": "team",
            "two_factor_requirement_enabled": True,
            "default_repository_permission": "read",
            "members_can_create_repositories": True,
            "members_can_create_public_repositories": False,
            "members_can_create_private_repositories": True,
        },
        "members": {
            "readable": True,
            "items": [member("ada", owner=True), member("bo", owner=True), member("cy")],
        },
        "members_without_2fa": {"readable": True, "logins": []},
        "outside_collaborators": {
            "readable": True,
            "items": [member("vendor-dev")],
            "without_2fa": {"readable": True, "logins": []},
        },
        "repositories": {
            "readable": True,
            "truncated": False,
            "limit": 500,
            "items": [repo("api"), repo("web", visibility="public", private=False)],
        },
        "dependabot_alerts": {
            "readable": True,
            "open": 1,
            "by_severity": {"critical": 0, "high": 0, "medium": 1, "low": 0},
            "serious": [],
        },
        "secret_scanning_alerts": {"readable": True, "open": 0, "by_repository": {}},
    }
    data = copy.deepcopy(data)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict) and "readable" not in value:
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def snap(**changes) -> list[Snapshot]:
    return [Snapshot("github", ORG, organization(**changes))]


EMPTY = ERROR  # an empty snapshot says nothing: every test errors
REFUSED = {"readable": False, "error": "GET /orgs/kestrel-labs/x answered HTTP 403"}

CASES: list[tuple] = [
    (
        "github_org_2fa_required",
        snap(),
        snap(organization={"two_factor_requirement_enabled": False}),
        EMPTY,
    ),
    (
        "github_members_without_2fa",
        snap(),
        snap(members_without_2fa={"readable": True, "logins": ["cy"]}),
        EMPTY,
    ),
    (
        "github_outside_collaborators",
        snap(),
        snap(
            outside_collaborators={
                "readable": True,
                "items": [member("vendor-dev", mfa=False)],
                "without_2fa": {"readable": True, "logins": ["vendor-dev"]},
            }
        ),
        EMPTY,
    ),
    (
        "github_admin_count",
        snap(),
        snap(
            members={
                "readable": True,
                "items": [member(n, owner=True) for n in ("ada", "bo", "cy", "di")],
            }
        ),
        EMPTY,
    ),
    (
        "github_default_permission",
        snap(),
        snap(organization={"default_repository_permission": "write"}),
        EMPTY,
    ),
    (
        "github_public_repos",
        snap(),
        snap(organization={"members_can_create_public_repositories": True}),
        EMPTY,
    ),
    (
        "github_branch_protection",
        snap(),
        snap(
            repositories={
                "readable": True,
                "items": [repo("api"), repo("infra", branch_protection={"protected": False})],
            }
        ),
        EMPTY,
    ),
    (
        "github_required_reviews",
        snap(),
        snap(
            repositories={
                "readable": True,
                "items": [
                    repo("api"),
                    repo("infra", branch_protection={"required_approving_review_count": 0}),
                ],
            }
        ),
        EMPTY,
    ),
    (
        "github_force_push",
        snap(),
        snap(
            repositories={
                "readable": True,
                "items": [repo("api", branch_protection={"allow_force_pushes": True})],
            }
        ),
        EMPTY,
    ),
    (
        "github_secret_scanning",
        snap(),
        snap(
            repositories={
                "readable": True,
                "items": [repo("api", security_and_analysis={"secret_scanning": "disabled"})],
            }
        ),
        EMPTY,
    ),
    (
        "github_secret_scanning_alerts",
        snap(),
        snap(
            secret_scanning_alerts={
                "readable": True,
                "open": 2,
                "by_repository": {f"{ORG}/api": 2},
            }
        ),
        EMPTY,
    ),
    (
        "github_dependabot_alerts",
        snap(),
        snap(
            dependabot_alerts={
                "readable": True,
                "open": 2,
                "by_severity": {"critical": 1, "high": 0, "medium": 1, "low": 0},
                "serious": [
                    {
                        "repository": f"{ORG}/api",
                        "number": 7,
                        "severity": "critical",
                        "package": "django",
                        "advisory": "GHSA-rf4j-j272-fj86",
                    }
                ],
            }
        ),
        EMPTY,
    ),
    (
        "github_dependabot_updates",
        snap(),
        snap(
            repositories={
                "readable": True,
                "items": [
                    repo("api", security_and_analysis={"dependabot_security_updates": "disabled"})
                ],
            }
        ),
        EMPTY,
    ),
]
