"""What the Okta connector reads from one org, as "identity" snapshot data (facts only).

Users come from ``GET /api/v1/users`` (every status but deprovisioned) and a second list
filtered on ``status eq "DEPROVISIONED"`` (Okta leaves those out unless asked); each user's
enrolled factors from ``/api/v1/users/{id}/factors``; administrators from
``/api/v1/iam/assignees/users`` (only the users holding a role) and each one's
``/api/v1/users/{id}/roles``; groups and their members from ``/api/v1/groups`` and
``/api/v1/groups/{id}/users``; the MFA enrolment policies from
``/api/v1/policies?type=MFA_ENROLL``. What the token may not read (403/404) is named in
``unreadable`` and left unknown (null), never guessed. See ``identity.schema`` for the shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from annexa.connectors.base import CollectError
from annexa.connectors.identity import schema
from annexa.connectors.okta.client import OktaClient, Unreadable

# Okta's user statuses as the contract's states, and whether such a user can sign in now.
STATES: dict[str, tuple[str, bool]] = {
    "ACTIVE": ("active", True),
    "RECOVERY": ("active", True),  # resetting a password: still the user's account
    "PASSWORD_EXPIRED": ("active", True),  # signs in and must choose a new password
    "LOCKED_OUT": ("locked", False),
    "STAGED": ("staged", False),
    "PROVISIONED": ("staged", False),  # activation sent, not yet completed
    "SUSPENDED": ("suspended", False),
    "DEPROVISIONED": ("deprovisioned", False),
}
# Enrolment of these does not make a second factor: the password itself, and e-mail, which
# Okta also uses for recovery.
NOT_SECOND_FACTORS = frozenset({"okta_password", "okta_email", "email", "password"})


def read_org(
    client: OktaClient,
    tenant: str,
    *,
    external_types: Iterable[str] = (),
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Everything the identity control tests and feeds need from one Okta org."""
    unreadable: dict[str, str] = {}
    progress("reading users")
    try:
        raw_users = client.items("/api/v1/users")
    except Unreadable as exc:
        raise CollectError(
            f"Okta does not show its users to this token ({exc.reason}); give the token's "
            "administrator the Read-only Administrator role"
        ) from None
    try:
        raw_users += client.items("/api/v1/users", {"filter": 'status eq "DEPROVISIONED"'})
    except Unreadable as exc:
        unreadable["deprovisioned_users"] = exc.reason
    users: dict[str, dict[str, Any]] = {}
    for item in raw_users:
        if isinstance(item, dict) and item.get("id") and item["id"] not in users:
            users[item["id"]] = item

    progress(f"reading the factors of {len(users)} users")
    factors = _factors(client, users, unreadable, progress)
    progress("reading administrator roles")
    roles_of = _admin_roles(client, unreadable)
    progress("reading groups")
    groups, members_of = _groups(client, unreadable)
    progress("reading MFA enrolment policies")
    policies = _policies(client, unreadable)

    external = {t.strip().lower() for t in external_types if t.strip()}
    records = [
        _user(item, factors.get(uid), roles_of, members_of.get(uid, {}), external)
        for uid, item in users.items()
    ]
    by_id = {record["id"]: record for record in records}
    role_rows: dict[str, dict[str, Any]] = {}
    for uid, roles in (roles_of or {}).items():
        for role_id, label in roles:
            row = role_rows.setdefault(role_id, {"id": role_id, "name": label, "members": []})
            if uid in by_id:
                row["members"].append(by_id[uid]["username"])
    data = {
        "provider": "okta",
        "tenant": tenant,
        "users": records,
        "groups": groups,
        "admin_roles": list(role_rows.values()),
        "mfa_policy": _policy_summary(policies, records, members_of, unreadable),
        "unreadable": unreadable,
    }
    return schema.finish(data)


def _time(value: Any, what: str) -> str | None:
    try:
        return schema.iso_utc(value if isinstance(value, str) else None)
    except ValueError:
        raise CollectError(f"Okta gave an unreadable time for {what}: {value!r}") from None


def _user(
    item: dict[str, Any],
    factors: list[str] | None,
    roles_of: dict[str, list[tuple[str, str]]] | None,
    groups: dict[str, str],
    external: set[str],
) -> dict[str, Any]:
    profile = item.get("profile") or {}
    status = str(item.get("status") or "")
    if status not in STATES:
        raise CollectError(f"Okta gave user {item.get('id')} an unknown status {status!r}")
    state, enabled = STATES[status]
    login = str(profile.get("login") or item["id"])
    display = profile.get("displayName") or " ".join(
        str(part) for part in (profile.get("firstName"), profile.get("lastName")) if part
    )
    manager = profile.get("manager") or profile.get("managerId") or ""
    roles = None if roles_of is None else [label for _id, label in roles_of.get(item["id"], [])]
    return {
        "id": str(item["id"]),
        "username": login,
        "email": str(profile.get("email") or ""),
        "name": str(display or login),
        "state": state,
        "enabled": enabled,
        "mfa_enrolled": None if factors is None else bool(factors),
        "mfa_methods": factors or [],
        "last_sign_in": _time(item.get("lastLogin"), f"the last sign-in of {login}"),
        "created": _time(item.get("created"), f"the creation of {login}"),
        "admin_roles": roles or [],
        "groups": sorted(groups.values()),
        "department": str(profile.get("department") or ""),
        "title": str(profile.get("title") or ""),
        "employee_id": str(profile.get("employeeNumber") or ""),
        "manager": str(manager),
        "external": str(profile.get("userType") or "").strip().lower() in external,
    }


def _factors(
    client: OktaClient,
    users: dict[str, dict[str, Any]],
    unreadable: dict[str, str],
    progress: Callable[[str], None],
) -> dict[str, list[str]]:
    """Per user id: the factor types enrolled (status ACTIVE) other than e-mail. Users whose
    factors could not be read (and deprovisioned ones, whose factors Okta resets) are absent:
    their enrolment stays unknown."""
    found: dict[str, list[str]] = {}
    for index, (uid, item) in enumerate(users.items()):
        if item.get("status") == "DEPROVISIONED":
            continue
        if index and index % 100 == 0:
            progress(f"reading factors ({index} of {len(users)} users)")
        try:
            body = client.get(f"/api/v1/users/{quote(uid, safe='')}/factors")
        except Unreadable as exc:
            if exc.status == 403:
                unreadable["factors"] = exc.reason
                return {}  # the token may read no user's factors: no use asking for each
            continue  # 404: the user was deleted between the two requests; enrolment unknown
        if not isinstance(body, list):
            raise CollectError(f"GET /api/v1/users/{uid}/factors did not answer a list")
        found[uid] = sorted(
            {
                str(f.get("factorType"))
                for f in body
                if isinstance(f, dict)
                and f.get("status") == "ACTIVE"
                and str(f.get("factorType")) not in NOT_SECOND_FACTORS
            }
        )
    return found


def _admin_roles(
    client: OktaClient, unreadable: dict[str, str]
) -> dict[str, list[tuple[str, str]]] | None:
    """Per user id holding a role: (role id, role name) pairs; None when unreadable."""
    try:
        assignees = client.items("/api/v1/iam/assignees/users", {"limit": 100})
    except Unreadable as exc:
        unreadable["admin_roles"] = exc.reason
        return None
    roles_of: dict[str, list[tuple[str, str]]] = {}
    for assignee in assignees:
        uid = str(assignee.get("id") or "") if isinstance(assignee, dict) else ""
        if not uid:
            continue
        try:
            roles = client.get(f"/api/v1/users/{quote(uid, safe='')}/roles")
        except Unreadable as exc:
            unreadable["admin_roles"] = exc.reason
            return None
        pairs = []
        for role in roles if isinstance(roles, list) else []:
            if not isinstance(role, dict) or role.get("status", "ACTIVE") != "ACTIVE":
                continue
            kind = str(role.get("type") or "")
            label = str(role.get("label") or kind)
            # A custom role's type is CUSTOM for all of them: its own id tells them apart.
            role_id = str(role.get("role") or role.get("id") or label) if kind == "CUSTOM" else kind
            pairs.append((role_id, label))
        if pairs:
            roles_of[uid] = sorted(set(pairs))
    return roles_of


def _groups(
    client: OktaClient, unreadable: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """The groups with their member counts, and per user id its groups (id → name)."""
    try:
        raw = client.items("/api/v1/groups")
    except Unreadable as exc:
        unreadable["groups"] = exc.reason
        return [], {}
    groups, members_of = [], {}
    for group in raw:
        if not isinstance(group, dict) or not group.get("id"):
            continue
        gid = str(group["id"])
        name = str((group.get("profile") or {}).get("name") or gid)
        try:
            members = client.items(f"/api/v1/groups/{quote(gid, safe='')}/users")
        except Unreadable as exc:
            unreadable[f"group {name}"] = exc.reason
            members = []
        for member in members:
            if isinstance(member, dict) and member.get("id"):
                members_of.setdefault(str(member["id"]), {})[gid] = name
        groups.append({"id": gid, "name": name, "member_count": len(members)})
    return groups, members_of


def _policies(client: OktaClient, unreadable: dict[str, str]) -> list[dict[str, Any]] | None:
    try:
        body = client.get("/api/v1/policies", {"type": "MFA_ENROLL"})
    except Unreadable as exc:
        unreadable["mfa_policy"] = exc.reason
        return None
    if not isinstance(body, list):
        raise CollectError("GET /api/v1/policies did not answer a list")
    active = [p for p in body if isinstance(p, dict) and p.get("status") == "ACTIVE"]
    return sorted(active, key=lambda p: (int(p.get("priority") or 0), str(p.get("id"))))


def required_factors(policy: dict[str, Any]) -> list[str]:
    """The second factors an enrolment policy makes every user it applies to enrol (the
    authenticator form of Identity Engine orgs, and the factor form of Classic orgs)."""
    settings = policy.get("settings") or {}
    required = set()
    for authenticator in settings.get("authenticators") or []:
        if (authenticator.get("enroll") or {}).get("self") == "REQUIRED":
            required.add(str(authenticator.get("key")))
    for key, factor in (settings.get("factors") or {}).items():
        if isinstance(factor, dict) and (factor.get("enroll") or {}).get("self") == "REQUIRED":
            required.add(str(key))
    return sorted(required - NOT_SECOND_FACTORS)


def _applies(policy: dict[str, Any], group_ids: set[str]) -> bool:
    include = (((policy.get("conditions") or {}).get("people") or {}).get("groups") or {}).get(
        "include"
    )
    # A policy without a group condition applies to everyone (Okta's default policy names the
    # Everyone group, of which every user is a member).
    return not include or bool(group_ids & set(include))


def _policy_summary(
    policies: list[dict[str, Any]] | None,
    users: list[dict[str, Any]],
    members_of: dict[str, dict[str, str]],
    unreadable: dict[str, str],
) -> dict[str, Any]:
    """Whether the enrolment policy that applies to each enabled user (the first active one by
    priority whose groups include the user) requires a second factor, for all users and for
    the administrators."""
    if policies is None:
        return {
            "enforced_for_all": None,
            "enforced_for_admins": None,
            "detail": f"the MFA enrolment policies are unreadable: {unreadable['mfa_policy']}",
        }

    def enforced(user: dict[str, Any]) -> bool:
        groups = set(members_of.get(user["id"], {}))
        for policy in policies:
            if _applies(policy, groups):
                return bool(required_factors(policy))
        return False

    enabled = [u for u in users if u["enabled"]]
    admins = [u for u in enabled if u["admin_roles"]]
    roles_known = "admin_roles" not in unreadable
    described = "; ".join(
        f"{p.get('name')} (priority {p.get('priority')}): "
        + (
            ", ".join(required_factors(p)) + " required"
            if required_factors(p)
            else "no second factor required"
        )
        for p in policies
    )
    return {
        "enforced_for_all": all(enforced(u) for u in enabled) if enabled else None,
        "enforced_for_admins": all(enforced(u) for u in admins) if admins and roles_known else None,
        "detail": f"{len(policies)} active MFA enrolment policies: {described}"
        if policies
        else "no active MFA enrolment policy",
    }
