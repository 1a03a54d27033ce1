"""What the Google Workspace connector reads from one account, as "identity" snapshot data.

Users come from ``users.list`` (every domain of the account: ``customer=my_customer``) with
their 2-Step Verification enrolment and enforcement, suspension and archiving, last login
(``1970-01-01T00:00:00.000Z`` is Google's "never"), organization, external ids and manager
relation; administrator roles from ``roles.list`` and ``roleAssignments.list`` (a role assigned
to a group is held by its members); groups from ``groups.list`` with their direct member
count, and each group's members so that every user's groups are known. The Directory API has
no setting for the 2-Step Verification policy itself, so ``mfa_policy`` states what every
user's ``isEnforcedIn2Sv`` says. Users are the one resource the collection cannot do without;
whatever else the delegation may not read is named in ``unreadable``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from annexa.connectors.base import CollectError
from annexa.connectors.google.client import SCOPES, DirectoryClient, Unreadable
from annexa.connectors.identity.schema import finish, iso_utc

BASE = "/admin/directory/v1"
CUSTOMER = "my_customer"
NEVER = "1970-01-01T00:00:00Z"
PAGE = 500
USER_FIELDS = (
    "nextPageToken,users(id,primaryEmail,name/fullName,isAdmin,isDelegatedAdmin,lastLoginTime,"
    "creationTime,suspended,archived,isEnrolledIn2Sv,isEnforcedIn2Sv,organizations,externalIds,"
    "relations)"
)
# Google's names of its prebuilt administrator roles, as the Admin console shows them.
SYSTEM_ROLES = {
    "_SEED_ADMIN_ROLE": "Super Admin",
    "_GROUPS_ADMIN_ROLE": "Groups Admin",
    "_USER_MANAGEMENT_ADMIN_ROLE": "User Management Admin",
    "_HELP_DESK_ADMIN_ROLE": "Help Desk Admin",
    "_SERVICES_ADMIN_ROLE": "Services Admin",
    "_MOBILE_ADMIN_ROLE": "Mobile Admin",
    "_GROUPS_EDITOR_ROLE": "Groups Editor",
    "_GROUPS_READER_ROLE": "Groups Reader",
}
SUPER_ADMIN = "Super Admin"
DELEGATED_ADMIN = "Delegated Admin"


def read_account(
    client: DirectoryClient, domain: str, *, progress: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """The identity snapshot data of the Google Workspace account of ``domain``."""
    unreadable: dict[str, str] = {}
    progress("reading users")
    users = _users(client)
    by_id = {str(u.get("id")): u for u in users}
    progress("reading groups and their members")
    groups, member_ids = _groups(client, by_id, unreadable)
    progress("reading administrator roles and their assignments")
    roles, held = _roles(client, by_id, member_ids, unreadable)

    group_names: dict[str, list[str]] = defaultdict(list)
    for group in groups:
        for user_id in member_ids.get(group["id"], ()):
            group_names[user_id].append(group["name"])
    roles_known = "admin_roles" not in unreadable
    people = [
        _person(item, group_names.get(str(item.get("id")), []), held, roles_known) for item in users
    ]
    policy = _mfa_policy(people)  # takes each user's isEnforcedIn2Sv out of the reading
    return finish(
        {
            "provider": "google",
            "tenant": domain,
            "users": people,
            "groups": groups,
            "admin_roles": roles,
            "mfa_policy": policy,
            "unreadable": unreadable,
        }
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _time(value: object) -> str | None:
    try:
        stamp = iso_utc(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return None if stamp == NEVER else stamp


def _users(client: DirectoryClient) -> list[dict[str, Any]]:
    params = {
        "customer": CUSTOMER,
        "maxResults": PAGE,
        "orderBy": "email",
        "projection": "basic",
        "fields": USER_FIELDS,
    }
    try:
        found = client.items(f"{BASE}/users", "users", params)
    except Unreadable as exc:
        raise CollectError(
            f"the service account may not list the users ({exc.reason}); check that "
            f"domain-wide delegation grants it {SCOPES[0]} and that the impersonated address "
            "is an administrator allowed to read users"
        ) from None
    return [u for u in found if isinstance(u, dict)]


def _groups(
    client: DirectoryClient, users: dict[str, dict[str, Any]], unreadable: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Groups with their direct member count, and the ids of their user members."""
    try:
        found = client.items(f"{BASE}/groups", "groups", {"customer": CUSTOMER, "maxResults": 200})
    except Unreadable as exc:
        unreadable["groups"] = exc.reason
        return [], {}
    groups, member_ids = [], {}
    for item in found:
        group_id = str(item.get("id"))
        count = str(item.get("directMembersCount") or "0")
        try:
            members = client.items(
                f"{BASE}/groups/{quote(group_id, safe='')}/members", "members", {"maxResults": 200}
            )
        except Unreadable as exc:
            unreadable[f"group {_text(item.get('name')) or group_id}"] = exc.reason
            members = []
        member_ids[group_id] = [
            str(m.get("id"))
            for m in members
            if m.get("type") == "USER" and str(m.get("id")) in users
        ]
        groups.append(
            {
                "id": group_id,
                "name": _text(item.get("name")) or _text(item.get("email")),
                "member_count": int(count) if count.isdigit() else len(members),
            }
        )
    return groups, member_ids


def _role_name(item: dict[str, Any]) -> str:
    name = _text(item.get("roleName"))
    if item.get("isSuperAdminRole"):
        return SUPER_ADMIN
    return SYSTEM_ROLES.get(name, name)


def _roles(
    client: DirectoryClient,
    users: dict[str, dict[str, Any]],
    group_members: dict[str, list[str]],
    unreadable: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """The administrator roles assigned to anyone, with the addresses holding each, and the
    role names each user id holds."""
    base = f"{BASE}/customer/{CUSTOMER}"
    try:
        found = client.items(f"{base}/roles", "items", {"maxResults": 100})
    except Unreadable as exc:
        unreadable["admin_roles"] = exc.reason
        return [], {}
    try:
        assignments = client.items(f"{base}/roleassignments", "items", {"maxResults": 200})
    except Unreadable as exc:
        unreadable["admin_roles"] = exc.reason
        return [], {}
    holders: dict[str, set[str]] = defaultdict(set)
    for assignment in assignments:
        role_id, assignee = str(assignment.get("roleId")), str(assignment.get("assignedTo"))
        if assignment.get("assigneeType") == "group":
            holders[role_id].update(group_members.get(assignee, ()))
        elif assignee in users:
            holders[role_id].add(assignee)
        # Anything else (a service account) is not a person's account.
    roles, held = [], defaultdict(set)
    for item in found:
        role_id = str(item.get("roleId"))
        if role_id not in holders:
            continue  # dozens of unassigned prebuilt roles say nothing about anyone
        name = _role_name(item)
        for user_id in holders[role_id]:
            held[user_id].add(name)
        members = [_text(users[u].get("primaryEmail")) for u in holders[role_id]]
        roles.append({"id": role_id, "name": name, "members": members})
    return roles, held


def _primary(items: object) -> dict[str, Any]:
    """The entry marked primary of a list of organizations, else the first."""
    entries = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return next((e for e in entries if e.get("primary")), entries[0] if entries else {})


def _typed(items: object, kind: str) -> str:
    """The value of the first entry of ``type`` ``kind`` (external ids, relations)."""
    for entry in items if isinstance(items, list) else ():
        if isinstance(entry, dict) and entry.get("type") == kind:
            return _text(entry.get("value"))
    return ""


def _person(
    item: dict[str, Any], groups: list[str], held: dict[str, set[str]], roles_known: bool
) -> dict[str, Any]:
    user_id = str(item.get("id"))
    archived, suspended = item.get("archived") is True, item.get("suspended") is True
    admin_roles = set(held.get(user_id, ()))
    if item.get("isAdmin"):
        admin_roles.add(SUPER_ADMIN)  # what isAdmin means
    if item.get("isDelegatedAdmin") and not roles_known:
        admin_roles.add(DELEGATED_ADMIN)  # which role is unknown without the assignments
    organization = _primary(item.get("organizations"))
    enrolled = item.get("isEnrolledIn2Sv")
    return {
        "id": user_id,
        "username": _text(item.get("primaryEmail")),
        "email": _text(item.get("primaryEmail")),
        "name": _text((item.get("name") or {}).get("fullName")),
        "state": "deprovisioned" if archived else "suspended" if suspended else "active",
        "enabled": not (archived or suspended),
        "mfa_enrolled": enrolled if isinstance(enrolled, bool) else None,
        # The Directory API says whether a user is enrolled, not with which methods.
        "mfa_methods": [],
        "last_sign_in": _time(item.get("lastLoginTime")),
        "created": _time(item.get("creationTime")),
        "admin_roles": sorted(admin_roles),
        "groups": groups,
        "department": _text(organization.get("department")),
        "title": _text(organization.get("title")),
        "employee_id": _typed(item.get("externalIds"), "organization"),
        "manager": _typed(item.get("relations"), "manager"),
        "external": False,  # the directory holds the account's own users only
        "_enforced": item.get("isEnforcedIn2Sv"),
    }


def _mfa_policy(people: list[dict[str, Any]]) -> dict[str, Any]:
    enforced = {p["id"]: p.pop("_enforced") for p in people}
    active = [p for p in people if p["enabled"]]
    admins = [p for p in active if p["admin_roles"]]

    def verdict(group: list[dict[str, Any]]) -> bool | None:
        said = [enforced[p["id"]] for p in group]
        if any(value is None for value in said):
            return None
        return all(said)

    not_enforced = sorted(p["username"] for p in active if enforced[p["id"]] is False)
    detail = (
        f"2-Step Verification is enforced for {len(active) - len(not_enforced)} of "
        f"{len(active)} active users (each user's isEnforcedIn2Sv, which follows the "
        "organizational units' and groups' 2-Step Verification settings)"
    )
    if not_enforced:
        shown = ", ".join(not_enforced[:10]) + (" …" if len(not_enforced) > 10 else "")
        detail += f"; not enforced for {shown}"
    return {
        "enforced_for_all": verdict(active),
        "enforced_for_admins": verdict(admins),
        "detail": detail,
    }
