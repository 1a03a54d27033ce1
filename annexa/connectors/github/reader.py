"""What the GitHub connector reads from one organization, as snapshot data (facts only).

Each section records ``readable``; a section GitHub refused (403/404, e.g. a token that is not
an organization owner, or lacks the security events permission) is kept as
``{"readable": false, "error": "…"}`` so that the tests depending on it return ERROR instead
of passing. Lists are sorted and nothing time-dependent is kept (no ``updated_at``, no rate
limit counters), so an unchanged organization reads to identical bytes. Secret values that
GitHub returns with secret scanning alerts are never kept: only counts per repository.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from annexa.connectors.base import CollectError
from annexa.connectors.github.client import GithubClient, Unreadable

SEVERITIES = ("critical", "high", "medium", "low")
ORG_FIELDS = (
    "login",
    "name",
    "two_factor_requirement_enabled",
    "default_repository_permission",
    "members_can_create_repositories",
    "members_can_create_public_repositories",
    "members_can_create_private_repositories",
    "members_can_create_internal_repositories",
    "members_allowed_repository_creation_type",
    "members_can_fork_private_repositories",
    "web_commit_signoff_required",
    "secret_scanning_enabled_for_new_repositories",
    "secret_scanning_push_protection_enabled_for_new_repositories",
    "dependabot_alerts_enabled_for_new_repositories",
    "dependabot_security_updates_enabled_for_new_repositories",
)
SECURITY_FEATURES = (
    "advanced_security",
    "secret_scanning",
    "secret_scanning_push_protection",
    "dependabot_security_updates",
)


def unreadable(exc: Unreadable) -> dict[str, Any]:
    return {"readable": False, "error": exc.reason}


def read_organization(
    client: GithubClient,
    org: str,
    *,
    max_repositories: int,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Everything the control tests of kind ``github`` need, as one JSON-ready dict."""
    base = f"/orgs/{quote(org, safe='')}"
    progress(f"reading organization {org}")
    try:
        organization = _organization(client.get(base))
    except Unreadable as exc:
        raise CollectError(
            f"GitHub shows no organization {org!r} to this token ({exc.reason}); check the "
            "login and that the token's resource owner is that organization"
        ) from None
    progress("reading members and owners")
    without_2fa = _logins(client, f"{base}/members", {"filter": "2fa_disabled"})
    members = _members(client, base, without_2fa)
    progress("reading outside collaborators")
    outside = _outside_collaborators(client, base)
    progress("reading repositories")
    repositories = _repositories(client, org, base, max_repositories, progress)
    progress("reading Dependabot and secret scanning alerts")
    return {
        "organization": organization,
        "members": members,
        "members_without_2fa": without_2fa,
        "outside_collaborators": outside,
        "repositories": repositories,
        "dependabot_alerts": _dependabot_alerts(client, base),
        "secret_scanning_alerts": _secret_scanning_alerts(client, base),
    }


def _organization(body: dict[str, Any]) -> dict[str, Any]:
    facts = {name: body.get(name) for name in ORG_FIELDS}
    plan = body.get("plan")
    facts["plan"] = plan.get("name") if isinstance(plan, dict) else None
    # Without the admin:org scope GitHub leaves these out or null: kept as null (= unknown).
    return {"readable": True, **facts}


def _user(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "login": item.get("login"),
        "id": item.get("id"),
        "type": item.get("type"),
        "site_admin": bool(item.get("site_admin")),
    }


def _logins(client: GithubClient, path: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        items, _ = client.items(path, params)
    except Unreadable as exc:
        return unreadable(exc)
    return {"readable": True, "logins": sorted(str(i.get("login")) for i in items)}


def _members(client: GithubClient, base: str, without_2fa: dict[str, Any]) -> dict[str, Any]:
    try:
        everyone, _ = client.items(f"{base}/members")
        owners, _ = client.items(f"{base}/members", {"role": "admin"})
    except Unreadable as exc:
        return unreadable(exc)
    owner_logins = {o.get("login") for o in owners}
    no_2fa = set(without_2fa.get("logins", ())) if without_2fa.get("readable") else None
    people = []
    for item in everyone:
        user = _user(item)
        privileged = user["login"] in owner_logins
        people.append(
            {
                **user,
                "name": user["login"],
                "role": "owner" if privileged else "member",
                "privileged": privileged,
                # GitHub reports 2FA only to owners, through the 2fa_disabled filter.
                "mfa": None if no_2fa is None else user["login"] not in no_2fa,
            }
        )
    people.sort(key=lambda p: str(p["login"]).lower())
    return {"readable": True, "items": people}


def _outside_collaborators(client: GithubClient, base: str) -> dict[str, Any]:
    path = f"{base}/outside_collaborators"
    try:
        everyone, _ = client.items(path)
    except Unreadable as exc:
        return unreadable(exc)
    without_2fa = _logins(client, path, {"filter": "2fa_disabled"})
    no_2fa = set(without_2fa.get("logins", ())) if without_2fa.get("readable") else None
    people = [
        {
            **_user(item),
            "name": item.get("login"),
            "privileged": False,
            "mfa": None if no_2fa is None else item.get("login") not in no_2fa,
        }
        for item in everyone
    ]
    people.sort(key=lambda p: str(p["login"]).lower())
    return {
        "readable": True,
        "items": people,
        "without_2fa": without_2fa,
    }


def _security(repo: dict[str, Any]) -> dict[str, str | None]:
    """``enabled`` / ``disabled`` per feature; None when GitHub did not say (no admin right)."""
    analysis = repo.get("security_and_analysis")
    if not isinstance(analysis, dict):
        return dict.fromkeys(SECURITY_FEATURES)
    return {
        name: (analysis.get(name) or {}).get("status")
        if isinstance(analysis.get(name), dict)
        else None
        for name in SECURITY_FEATURES
    }


def _repositories(
    client: GithubClient,
    org: str,
    base: str,
    limit: int,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    try:
        found, truncated = client.items(
            f"{base}/repos", {"type": "all", "sort": "full_name", "direction": "asc"}, limit
        )
    except Unreadable as exc:
        return unreadable(exc)
    repos = []
    for index, item in enumerate(sorted(found, key=lambda r: str(r.get("name")).lower())):
        if index and index % 50 == 0:
            progress(f"reading branch protection ({index} of {len(found)} repositories)")
        archived = bool(item.get("archived"))
        branch = item.get("default_branch")
        repos.append(
            {
                "name": item.get("name"),
                "full_name": item.get("full_name"),
                "private": bool(item.get("private")),
                "visibility": item.get("visibility")
                or ("private" if item.get("private") else "public"),
                "archived": archived,
                "fork": bool(item.get("fork")),
                "default_branch": branch,
                "security_and_analysis": _security(item),
                # Archived repositories are read-only: nobody can push to protect against.
                "branch_protection": None
                if archived or not branch
                else _protection(
                    client, str(item.get("full_name") or f"{org}/{item.get('name')}"), branch
                ),
            }
        )
    return {"readable": True, "truncated": truncated, "limit": limit, "items": repos}


def _protection(client: GithubClient, full_name: str, branch: str) -> dict[str, Any]:
    owner, _, name = full_name.partition("/")
    path = (
        f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        f"/branches/{quote(branch, safe='')}/protection"
    )
    try:
        body = client.get(path)
    except Unreadable as exc:
        if exc.status == 404:
            return {"readable": True, "protected": False}
        return unreadable(exc)
    reviews = body.get("required_pull_request_reviews")
    return {
        "readable": True,
        "protected": True,
        "required_approving_review_count": reviews.get("required_approving_review_count", 0)
        if isinstance(reviews, dict)
        else 0,
        "pull_request_reviews_required": isinstance(reviews, dict),
        "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews"))
        if isinstance(reviews, dict)
        else False,
        "enforce_admins": _enabled(body, "enforce_admins"),
        "allow_force_pushes": _enabled(body, "allow_force_pushes"),
        "allow_deletions": _enabled(body, "allow_deletions"),
        "required_status_checks": isinstance(body.get("required_status_checks"), dict),
    }


def _enabled(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    return bool(value.get("enabled")) if isinstance(value, dict) else False


def _dependabot_alerts(client: GithubClient, base: str) -> dict[str, Any]:
    try:
        alerts, _ = client.items(f"{base}/dependabot/alerts", {"state": "open"})
    except Unreadable as exc:
        return unreadable(exc)
    counts: Counter[str] = Counter()
    serious = []
    for alert in alerts:
        advisory = alert.get("security_advisory") or {}
        vulnerability = alert.get("security_vulnerability") or {}
        severity = str(vulnerability.get("severity") or advisory.get("severity") or "unknown")
        counts[severity] += 1
        if severity in ("critical", "high"):
            package = (vulnerability.get("package") or {}).get("name")
            serious.append(
                {
                    "repository": (alert.get("repository") or {}).get("full_name"),
                    "number": alert.get("number"),
                    "severity": severity,
                    "package": package,
                    "advisory": advisory.get("ghsa_id"),
                }
            )
    serious.sort(key=lambda a: (str(a["repository"]), a["number"] or 0))
    by_severity = {name: counts.get(name, 0) for name in SEVERITIES}
    by_severity.update({k: v for k, v in counts.items() if k not in by_severity})
    return {"readable": True, "open": len(alerts), "by_severity": by_severity, "serious": serious}


def _secret_scanning_alerts(client: GithubClient, base: str) -> dict[str, Any]:
    try:
        alerts, _ = client.items(f"{base}/secret-scanning/alerts", {"state": "open"})
    except Unreadable as exc:
        return unreadable(exc)
    per_repo = Counter(str((a.get("repository") or {}).get("full_name")) for a in alerts)
    return {"readable": True, "open": len(alerts), "by_repository": dict(sorted(per_repo.items()))}
