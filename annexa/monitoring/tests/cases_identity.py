"""PASS, FAIL and empty-input cases of the identity snapshot tests (see ``cases``).

Each record list holds one ``Snapshot`` of kind ``identity``; the empty case (a snapshot with
no data) breaks the contract, so every test errors on it. ``identity_leavers_disabled`` also
needs the people register: its cases live in ``test_identity_checks``, judged inside
``connectors.identity.register.judging_for``.
"""

from __future__ import annotations

import copy
import datetime as dt

from annexa.connectors.formats.snapshot import Snapshot

TENANT = "kestrel.okta.com"
AS_OF = dt.date(2025, 6, 30)
ERROR = "error"


def stamp(days_before: int) -> str:
    """A time ``days_before`` days before AS_OF, in the contract's form."""
    day = AS_OF - dt.timedelta(days=days_before)
    return f"{day.isoformat()}T09:00:00Z"


def user(username: str, **changes) -> dict:
    """An enabled employee who signed in yesterday with a second factor enrolled."""
    record = {
        "id": f"id-{username}",
        "username": username,
        "email": username,
        "name": username.split("@")[0].replace(".", " ").title(),
        "state": "active",
        "enabled": True,
        "mfa_enrolled": True,
        "mfa_methods": ["push"],
        "last_sign_in": stamp(1),
        "created": stamp(400),
        "admin_roles": [],
        "groups": ["Everyone"],
        "department": "Engineering",
        "title": "Engineer",
        "employee_id": "",
        "manager": "",
        "external": False,
    }
    record.update(changes)
    return record


def gone(username: str, **changes) -> dict:
    return user(username, state="deprovisioned", enabled=False, mfa_enrolled=None, **changes)


ADA = "ada@kestrel.example"
BO = "bo@kestrel.example"
CY = "cy@kestrel.example"


def identity(users: list[dict] | None = None, **changes) -> dict:
    """A well-run org: two administrators, everyone enrolled and active."""
    users = (
        [
            user(ADA, admin_roles=["Super Administrator"], employee_id="E1"),
            user(BO, admin_roles=["Read-only Administrator"], employee_id="E2"),
            user(CY, employee_id="E3"),
        ]
        if users is None
        else users
    )
    data = {
        "provider": "okta",
        "tenant": TENANT,
        "users": sorted(copy.deepcopy(users), key=lambda u: u["username"]),
        "groups": [{"id": "g1", "name": "Everyone", "member_count": len(users)}],
        "admin_roles": [],
        "mfa_policy": {"enforced_for_all": True, "enforced_for_admins": True, "detail": ""},
        "unreadable": {},
    }
    data.update(changes)
    return data


def snap(users: list[dict] | None = None, **changes) -> list[Snapshot]:
    return [Snapshot("identity", f"okta:{TENANT}", identity(users, **changes))]


def staff(*users: dict) -> list[dict]:
    """The well-run org's users with some replaced or added."""
    by_name = {u["username"]: u for u in identity()["users"]}
    by_name.update({u["username"]: u for u in users})
    return list(by_name.values())


NOBODY = [gone("old@kestrel.example")]
REFUSED = {"admin_roles": "GET /api/v1/iam/assignees/users answered HTTP 403"}

CASES: list[tuple] = [
    (
        "identity_mfa_all_users",
        snap(staff(gone("dan@kestrel.example"))),  # a deprovisioned user counts for nothing
        snap(staff(user(CY, mfa_enrolled=False, mfa_methods=[]))),
        ERROR,
    ),
    (
        "identity_mfa_admins",
        snap(staff(user(CY, mfa_enrolled=False, mfa_methods=[]))),  # not an administrator
        snap(staff(user(BO, admin_roles=["Help Desk Administrator"], mfa_enrolled=False))),
        ERROR,
    ),
    (
        "identity_inactive_accounts",
        snap(staff(user("new@kestrel.example", last_sign_in=None, created=stamp(10)))),
        snap(staff(user(CY, last_sign_in=stamp(91)))),
        ERROR,
    ),
    (
        "identity_admin_count",
        snap(),
        snap(
            staff(*(user(f"admin{i}@kestrel.example", admin_roles=["Org Admin"]) for i in range(5)))
        ),
        ERROR,
    ),
]

# Tests whose cases live elsewhere (they need more than the snapshot: see the module's text).
ELSEWHERE = ("identity_leavers_disabled",)
