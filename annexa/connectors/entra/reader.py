"""What the Entra ID connector reads from one tenant, as "identity" snapshot data (facts only).

Users come from ``/users`` (with ``signInActivity``, which Graph gives only to tenants with an
Entra ID P1/P2 licence and apps holding AuditLog.Read.All: without it the users are read again
without that property and ``last_sign_in`` is null), MFA registration from the authentication
methods registration report, administrator roles from the activated directory roles and their
members (a role-assignable group's members hold its roles), groups with their direct members,
managers through ``$expand=manager``, and the MFA policy from security defaults and the
conditional access policies. Users are the one resource the collection cannot do without;
whatever else the app may not read is named in ``unreadable`` and left null or empty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from annexa.connectors.base import CollectError
from annexa.connectors.entra.client import PAGE_SIZE, GraphClient, Unreadable
from annexa.connectors.identity.schema import finish, iso_utc

USER_FIELDS = (
    "id",
    "userPrincipalName",
    "mail",
    "displayName",
    "accountEnabled",
    "createdDateTime",
    "department",
    "jobTitle",
    "employeeId",
    "userType",
)
USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"
POLICY_ON = "enabled"
EXPANDED_PAGE = 100


def read_tenant(
    client: GraphClient, tenant: str, *, progress: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """The identity snapshot data of ``tenant`` (see the identity snapshot contract)."""
    unreadable: dict[str, str] = {}
    progress("reading users")
    users = _users(client, unreadable)
    by_id = {str(u.get("id")): u for u in users}
    progress("reading MFA registration details")
    registration = _registration(client, unreadable)
    progress("reading managers")
    managers = _managers(client, unreadable)
    progress("reading groups and their members")
    groups, member_ids = _groups(client, by_id, unreadable)
    progress("reading directory roles")
    roles, held = _roles(client, by_id, member_ids, unreadable)
    progress("reading security defaults and conditional access policies")
    policy = _mfa_policy(client, roles, unreadable)

    group_names: dict[str, list[str]] = defaultdict(list)
    for group in groups:
        for user_id in member_ids.get(group["id"], ()):
            group_names[user_id].append(group["name"])
    people = [
        _person(item, registration.get(str(item.get("id"))), managers, group_names, held)
        for item in users
    ]
    return finish(
        {
            "provider": "entra",
            "tenant": tenant,
            "users": people,
            "groups": [
                {"id": g["id"], "name": g["name"], "member_count": g["member_count"]}
                for g in groups
            ],
            "admin_roles": [{k: r[k] for k in ("id", "name", "members")} for r in roles],
            "mfa_policy": policy,
            "unreadable": unreadable,
        }
    )


def iso(value: object) -> str | None:
    """Graph's ``2026-11-30T08:15:00.1234567Z`` as ``2026-11-30T08:15:00Z``; None if absent or
    not a time."""
    try:
        return iso_utc(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _users(client: GraphClient, unreadable: dict[str, str]) -> list[dict[str, Any]]:
    fields = ",".join((*USER_FIELDS, "signInActivity"))
    try:
        return client.items("/users", {"$select": fields, "$top": PAGE_SIZE})
    except Unreadable as exc:
        first = exc
    # signInActivity needs an Entra ID P1/P2 licence and AuditLog.Read.All; without them Graph
    # refuses the whole list, so the users are read again without it.
    try:
        users = client.items("/users", {"$select": ",".join(USER_FIELDS), "$top": PAGE_SIZE})
    except Unreadable as exc:
        raise CollectError(
            f"the app may not read the tenant's users ({exc.reason}); grant it the "
            "User.Read.All application permission with admin consent"
        ) from None
    unreadable["last_sign_in"] = (
        f"{first.reason} (needs the AuditLog.Read.All permission and an Entra ID P1 or P2 "
        "licence); last sign-in times are unknown"
    )
    return users


def _registration(client: GraphClient, unreadable: dict[str, str]) -> dict[str, dict[str, Any]]:
    path = "/reports/authenticationMethods/userRegistrationDetails"
    try:
        rows = client.items(path)
    except Unreadable as exc:
        unreadable["factors"] = exc.reason
        return {}
    return {str(row.get("id")): row for row in rows}


def _managers(client: GraphClient, unreadable: dict[str, str]) -> dict[str, str]:
    params = {
        "$select": "id",
        "$expand": "manager($select=id,userPrincipalName,mail)",
        # Graph gives at most 100 users a page when it expands a relation, whatever $top says.
        "$top": EXPANDED_PAGE,
    }
    try:
        rows = client.items("/users", params)
    except Unreadable as exc:
        unreadable["manager"] = exc.reason
        return {}
    found = {}
    for row in rows:
        manager = row.get("manager")
        if isinstance(manager, dict):
            found[str(row.get("id"))] = _text(manager.get("userPrincipalName")) or _text(
                manager.get("mail")
            )
    return found


def _members(client: GraphClient, path: str, **paging: int) -> list[dict[str, Any]]:
    return client.items(path, {"$select": "id,userPrincipalName", **paging})


def _groups(
    client: GraphClient, users: dict[str, dict[str, Any]], unreadable: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Groups with their direct member count, and the ids of their user members."""
    try:
        found = client.items("/groups", {"$select": "id,displayName", "$top": PAGE_SIZE})
    except Unreadable as exc:
        unreadable["groups"] = exc.reason
        return [], {}
    groups, member_ids = [], {}
    for item in found:
        group_id = str(item.get("id"))
        path = f"/groups/{quote(group_id, safe='')}/members"
        try:
            members = _members(client, path, **{"$top": PAGE_SIZE})
        except Unreadable as exc:
            unreadable[f"group {_text(item.get('displayName')) or group_id}"] = exc.reason
            members = []
        member_ids[group_id] = [str(m.get("id")) for m in members if str(m.get("id")) in users]
        groups.append(
            {"id": group_id, "name": _text(item.get("displayName")), "member_count": len(members)}
        )
    return groups, member_ids


def _roles(
    client: GraphClient,
    users: dict[str, dict[str, Any]],
    group_members: dict[str, list[str]],
    unreadable: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The activated directory roles with the usernames holding each (directly or through a
    role-assignable group), and the role names each user id holds."""
    try:
        found = client.items("/directoryRoles")
    except Unreadable as exc:
        unreadable["admin_roles"] = exc.reason
        return [], {}
    roles, held = [], defaultdict(set)
    for item in found:
        role_id, name = str(item.get("id")), _text(item.get("displayName"))
        try:
            members = _members(client, f"/directoryRoles/{quote(role_id, safe='')}/members")
        except Unreadable as exc:
            # A role whose holders are unknown leaves every count of administrators open.
            unreadable.setdefault("admin_roles", exc.reason)
            members = []
        holders: set[str] = set()
        for member in members:
            kind, member_id = member.get("@odata.type"), str(member.get("id"))
            if kind == GROUP_TYPE:
                holders.update(group_members.get(member_id, ()))
            elif kind == USER_TYPE or member_id in users:
                holders.add(member_id)
            # Service principals hold roles too, but they are not accounts of people.
        for user_id in holders:
            held[user_id].add(name)
        usernames = sorted(
            _text(users[h].get("userPrincipalName")) if h in users else h for h in holders
        )
        roles.append(
            {
                "id": role_id,
                "name": name,
                "members": usernames,
                "template": _text(item.get("roleTemplateId")),
            }
        )
    return roles, {k: list(v) for k, v in held.items()}


def _mfa_policy(
    client: GraphClient, roles: list[dict[str, Any]], unreadable: dict[str, str]
) -> dict[str, Any]:
    """MFA required of everyone and of the administrators, by security defaults or by
    enabled conditional access policies; null where what could not be read leaves it open."""
    refused: list[str] = []
    try:
        defaults = client.get("/policies/identitySecurityDefaultsEnforcementPolicy")
    except Unreadable as exc:
        refused.append(exc.reason)
        defaults = None
    if defaults is not None and defaults.get("isEnabled") is True:
        return {
            "enforced_for_all": True,
            "enforced_for_admins": True,
            "detail": "security defaults are enabled: every user must register for MFA and "
            "administrators are asked for it at each sign-in",
        }
    try:
        policies = client.items("/identity/conditionalAccess/policies")
    except Unreadable as exc:
        unreadable["mfa_policy"] = "; ".join([*refused, exc.reason])
        return {
            "enforced_for_all": None,
            "enforced_for_admins": None,
            "detail": "conditional access policies could not be read"
            + ("" if defaults is None else "; security defaults are disabled"),
        }
    requiring = [p for p in policies if p.get("state") == POLICY_ON and _requires_mfa(p)]
    everyone = [p for p in requiring if _covers_everyone(p)]
    role_templates: set[str] = set()
    for policy in requiring:
        users = (policy.get("conditions") or {}).get("users") or {}
        role_templates.update(str(r) for r in users.get("includeRoles") or ())
    held = {r["template"] for r in roles if r["members"] and r["template"]}
    for_all: bool | None = bool(everyone)
    for_admins: bool | None = bool(everyone) or (bool(held) and held <= role_templates)
    # Unknown rather than false: security defaults (which exclude conditional access, so only
    # when no policy is enabled) or the roles held could not be read.
    if not for_all and defaults is None:
        for_all = None
    if not for_admins and (defaults is None or "admin_roles" in unreadable):
        for_admins = None
    if for_all is None or for_admins is None:
        unreadable["mfa_policy"] = "; ".join(refused) or unreadable["admin_roles"]
    names = sorted(_text(p.get("displayName")) for p in requiring)
    detail = (
        f"security defaults are {'disabled' if defaults is not None else 'unreadable'}; "
        f"{len(requiring)} enabled conditional access "
        f"{'policy requires' if len(requiring) == 1 else 'policies require'} MFA"
        + (f" ({', '.join(names)})" if names else "")
    )
    excluded = [p for p in everyone if _exclusions(p)]
    if everyone and excluded:
        detail += "; exclusions: " + "; ".join(_exclusions(p) for p in excluded)
    return {"enforced_for_all": for_all, "enforced_for_admins": for_admins, "detail": detail}


def _requires_mfa(policy: dict[str, Any]) -> bool:
    grant = policy.get("grantControls") or {}
    return "mfa" in (grant.get("builtInControls") or ()) or bool(
        grant.get("authenticationStrength")
    )


def _covers_everyone(policy: dict[str, Any]) -> bool:
    conditions = policy.get("conditions") or {}
    users = conditions.get("users") or {}
    apps = conditions.get("applications") or {}
    return "All" in (users.get("includeUsers") or ()) and "All" in (
        apps.get("includeApplications") or ()
    )


def _exclusions(policy: dict[str, Any]) -> str:
    users = (policy.get("conditions") or {}).get("users") or {}
    parts = [
        f"{len(users.get(key) or ())} {label}"
        for key, label in (("excludeUsers", "users"), ("excludeGroups", "groups"))
        if users.get(key)
    ]
    return f"{_text(policy.get('displayName'))} excludes {' and '.join(parts)}" if parts else ""


def _person(
    item: dict[str, Any],
    registration: dict[str, Any] | None,
    managers: dict[str, str],
    groups: dict[str, list[str]],
    roles: dict[str, list[str]],
) -> dict[str, Any]:
    user_id = str(item.get("id"))
    enabled = item.get("accountEnabled") is not False
    activity = item.get("signInActivity") or {}
    times = [
        iso(activity.get(key)) for key in ("lastSignInDateTime", "lastNonInteractiveSignInDateTime")
    ]
    methods = registration.get("methodsRegistered") if registration else None
    username = _text(item.get("userPrincipalName"))
    return {
        "id": user_id,
        "username": username,
        "email": _text(item.get("mail")),
        "name": _text(item.get("displayName")),
        "state": "active" if enabled else "disabled",
        "enabled": enabled,
        "mfa_enrolled": bool(registration.get("isMfaRegistered")) if registration else None,
        "mfa_methods": [str(m) for m in methods or ()],
        "last_sign_in": max((t for t in times if t), default=None),
        "created": iso(item.get("createdDateTime")),
        "admin_roles": roles.get(user_id, []),
        "groups": groups.get(user_id, []),
        "department": _text(item.get("department")),
        "title": _text(item.get("jobTitle")),
        "employee_id": _text(item.get("employeeId")),
        "manager": managers.get(user_id, ""),
        "external": item.get("userType") == "Guest" or "#EXT#" in username,
    }
