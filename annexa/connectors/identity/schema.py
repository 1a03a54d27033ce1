"""The "identity" snapshot: what an identity-provider connector read, and how it is read back.

Every identity-provider connector (Okta, Microsoft Entra ID, Google Workspace) stores one
snapshot of kind ``"identity"`` per tenant, with ``target`` = ``"<provider>:<tenant>"`` and
``data`` of exactly this shape (facts only, lists sorted so the bytes are deterministic)::

    {
      "provider": "okta" | "entra" | "google",
      "tenant": str,
      "users": [ {                          # sorted by username, ids and usernames unique
          "id": str, "username": str, "email": str, "name": str,
          "state": "active" | "staged" | "suspended" | "disabled" | "deprovisioned" | "locked",
          "enabled": bool,                  # can sign in now
          "mfa_enrolled": bool | null,      # null: the provider did not say
          "mfa_methods": [str],             # sorted
          "last_sign_in": str | null,       # "2026-11-30T08:15:00Z"
          "created": str | null,
          "admin_roles": [str],             # sorted
          "groups": [str],                  # sorted
          "department": str, "title": str, "employee_id": str,
          "manager": str,                   # "" if none
          "external": bool } ],
      "groups": [{"id": str, "name": str, "member_count": int}],       # sorted by name, id
      "admin_roles": [{"id": str, "name": str, "members": [str]}],     # sorted by name, id
      "mfa_policy": {"enforced_for_all": bool | null, "enforced_for_admins": bool | null,
                     "detail": str},
      "unreadable": {str: str}              # resource → why the credentials could not read it
    }

``check_identity_data`` lists every way a ``data`` object departs from this (a connector's tests
assert it returns nothing); ``finish`` sorts the lists of a reading the way the contract wants
before it is stored; ``read_identity`` turns valid data into typed, read-only records for the
control tests and the account and people feeds, which read the snapshot through nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KIND = "identity"

PROVIDERS: dict[str, str] = {
    "okta": "Okta",
    "entra": "Microsoft Entra ID",
    "google": "Google Workspace",
}

STATES = ("active", "staged", "suspended", "disabled", "deprovisioned", "locked")
# States in which nobody can sign in, whatever else the provider says.
NEVER_ENABLED = frozenset({"suspended", "disabled", "deprovisioned"})

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

TOP_KEYS = ("provider", "tenant", "users", "groups", "admin_roles", "mfa_policy", "unreadable")
USER_STRINGS = (
    "id",
    "username",
    "email",
    "name",
    "department",
    "title",
    "employee_id",
    "manager",
)
USER_KEYS = (
    *USER_STRINGS,
    "state",
    "enabled",
    "mfa_enrolled",
    "mfa_methods",
    "last_sign_in",
    "created",
    "admin_roles",
    "groups",
    "external",
)
GROUP_KEYS = ("id", "name", "member_count")
ROLE_KEYS = ("id", "name", "members")
POLICY_KEYS = ("enforced_for_all", "enforced_for_admins", "detail")

MAX_PROBLEMS = 50


class IdentityDataError(ValueError):
    """The data of an identity snapshot does not follow the contract."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        super().__init__(f"the identity snapshot does not follow its contract: {shown}")


# --- validation -----------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _keys(obj: Mapping, expected: tuple[str, ...], where: str, problems: list[str]) -> None:
    missing = [key for key in expected if key not in obj]
    extra = sorted(str(key) for key in obj if key not in expected)
    if missing:
        problems.append(f"{where} lacks {', '.join(missing)}")
    if extra:
        problems.append(f"{where} has unknown keys {', '.join(extra)}")


def _string(obj: Mapping, key: str, where: str, problems: list[str], *, empty: bool = True):
    if key not in obj:
        return
    value = obj[key]
    if not isinstance(value, str):
        problems.append(f"{where}.{key} must be a string, not {_type_name(value)}")
    elif not empty and not value.strip():
        problems.append(f"{where}.{key} must not be empty")


def _boolean(obj: Mapping, key: str, where: str, problems: list[str], *, null: bool = False):
    if key not in obj:
        return
    value = obj[key]
    if isinstance(value, bool) or (null and value is None):
        return
    wanted = "true, false or null" if null else "true or false"
    problems.append(f"{where}.{key} must be {wanted}, not {_type_name(value)}")


def _timestamp(obj: Mapping, key: str, where: str, problems: list[str]) -> None:
    if key not in obj or obj[key] is None:
        return
    value = obj[key]
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value) or _parse(value) is None:
        problems.append(
            f"{where}.{key} must be an ISO 8601 UTC time like 2026-11-30T08:15:00Z or null, "
            f"not {value!r}"
        )


def _sorted_strings(obj: Mapping, key: str, where: str, problems: list[str]) -> None:
    if key not in obj:
        return
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{where}.{key} must be a list of strings")
    elif value != sorted(value):
        problems.append(f"{where}.{key} must be sorted")
    elif len(set(value)) != len(value):
        problems.append(f"{where}.{key} must not repeat a value")


def _objects(data: Mapping, key: str, problems: list[str]) -> list[Mapping]:
    value = data.get(key)
    if key not in data:
        return []
    if not isinstance(value, list):
        problems.append(f"{key} must be a list, not {_type_name(value)}")
        return []
    found = []
    for index, item in enumerate(value):
        if isinstance(item, Mapping):
            found.append(item)
        else:
            problems.append(f"{key}[{index}] must be an object, not {_type_name(item)}")
    return found


def _check_order(items: list[Mapping], key: str, sort_key, what: str, problems: list[str]):
    try:
        keys = [sort_key(item) for item in items]
    except TypeError:
        return  # a wrong type, already reported
    if keys != sorted(keys):
        problems.append(f"{key} must be sorted by {what}")


def _check_unique(items: list[Mapping], key: str, field: str, problems: list[str]) -> None:
    seen: set[str] = set()
    for item in items:
        value = item.get(field)
        if isinstance(value, str):
            if value in seen:
                problems.append(f"{key} repeats the {field} {value!r}")
            seen.add(value)


def _check_user(user: Mapping, where: str, problems: list[str]) -> None:
    _keys(user, USER_KEYS, where, problems)
    for key in USER_STRINGS:
        _string(user, key, where, problems, empty=key not in ("id", "username"))
    state = user.get("state")
    if "state" in user and state not in STATES:
        problems.append(f"{where}.state must be one of {', '.join(STATES)}, not {state!r}")
    _boolean(user, "enabled", where, problems)
    if state in NEVER_ENABLED and user.get("enabled") is True:
        problems.append(f"{where} is {state} and cannot be enabled")
    _boolean(user, "mfa_enrolled", where, problems, null=True)
    _boolean(user, "external", where, problems)
    for key in ("mfa_methods", "admin_roles", "groups"):
        _sorted_strings(user, key, where, problems)
    for key in ("last_sign_in", "created"):
        _timestamp(user, key, where, problems)


def check_identity_data(data: Any) -> list[str]:
    """Every way ``data`` departs from the identity snapshot contract (empty when it follows
    it), each problem naming where it is (``users[3].state``)."""
    if not isinstance(data, Mapping):
        return [f"the data must be an object, not {_type_name(data)}"]
    problems: list[str] = []
    _keys(data, TOP_KEYS, "the data", problems)
    if "provider" in data and data["provider"] not in PROVIDERS:
        problems.append(f"provider must be one of {', '.join(PROVIDERS)}, not {data['provider']!r}")
    _string(data, "tenant", "the data", problems, empty=False)

    users = _objects(data, "users", problems)
    for index, user in enumerate(users):
        _check_user(user, f"users[{index}]", problems)
    _check_order(users, "users", lambda u: u.get("username", ""), "username", problems)
    _check_unique(users, "users", "id", problems)
    _check_unique(users, "users", "username", problems)

    groups = _objects(data, "groups", problems)
    for index, group in enumerate(groups):
        where = f"groups[{index}]"
        _keys(group, GROUP_KEYS, where, problems)
        _string(group, "id", where, problems, empty=False)
        _string(group, "name", where, problems)
        count = group.get("member_count")
        if "member_count" in group and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            problems.append(f"{where}.member_count must be a whole number of at least 0")
    _check_order(groups, "groups", lambda g: (g.get("name", ""), g.get("id", "")), "name", problems)
    _check_unique(groups, "groups", "id", problems)

    roles = _objects(data, "admin_roles", problems)
    for index, role in enumerate(roles):
        where = f"admin_roles[{index}]"
        _keys(role, ROLE_KEYS, where, problems)
        _string(role, "id", where, problems, empty=False)
        _string(role, "name", where, problems, empty=False)
        _sorted_strings(role, "members", where, problems)
    _check_order(
        roles, "admin_roles", lambda r: (r.get("name", ""), r.get("id", "")), "name", problems
    )
    _check_unique(roles, "admin_roles", "id", problems)

    if "mfa_policy" in data:
        policy = data["mfa_policy"]
        if not isinstance(policy, Mapping):
            problems.append(f"mfa_policy must be an object, not {_type_name(policy)}")
        else:
            _keys(policy, POLICY_KEYS, "mfa_policy", problems)
            _boolean(policy, "enforced_for_all", "mfa_policy", problems, null=True)
            _boolean(policy, "enforced_for_admins", "mfa_policy", problems, null=True)
            _string(policy, "detail", "mfa_policy", problems)

    if "unreadable" in data:
        unreadable = data["unreadable"]
        if not isinstance(unreadable, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in unreadable.items()
        ):
            problems.append("unreadable must be an object of strings (resource → reason)")

    if len(problems) > MAX_PROBLEMS:
        hidden = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"… and {hidden} more problems"]
    return problems


# --- helpers for connectors -------------------------------------------------------------------


def iso_utc(value: str | dt.datetime | None) -> str | None:
    """A provider's time (``2026-11-30T08:15:00.000Z``, ``…+02:00`` or a datetime) as the
    contract's ``2026-11-30T08:15:00Z``; None for no time. ``ValueError`` if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = _parse(value)
        if parsed is None:
            raise ValueError(f"not an ISO 8601 time: {value!r}")
        value = parsed
    if value.tzinfo is None:
        raise ValueError(f"a time without a time zone: {value.isoformat()}")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def finish(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every list sorted as the contract wants (users by username, groups and
    roles by name then id, the string lists of each user and role); changes ``data`` in place
    and returns it."""
    for user in data.get("users", []):
        for key in ("mfa_methods", "admin_roles", "groups"):
            user[key] = sorted(set(user.get(key, [])))
    data["users"] = sorted(data.get("users", []), key=lambda u: (u["username"], u["id"]))
    data["groups"] = sorted(data.get("groups", []), key=lambda g: (g["name"], g["id"]))
    for role in data.get("admin_roles", []):
        role["members"] = sorted(set(role.get("members", [])))
    data["admin_roles"] = sorted(data.get("admin_roles", []), key=lambda r: (r["name"], r["id"]))
    return data


def target_of(provider: str, tenant: str) -> str:
    """The snapshot's ``target``: ``"okta:kestrel.okta.com"``."""
    return f"{provider}:{tenant}"


# --- typed reading ---------------------------------------------------------------------------


def _parse(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@dataclass(frozen=True)
class IdentityUser:
    """One user of an identity provider, as the snapshot states it."""

    id: str
    username: str
    email: str
    name: str
    state: str
    enabled: bool
    mfa_enrolled: bool | None
    mfa_methods: tuple[str, ...]
    last_sign_in: dt.datetime | None
    created: dt.datetime | None
    admin_roles: tuple[str, ...]
    groups: tuple[str, ...]
    department: str
    title: str
    employee_id: str
    manager: str
    external: bool

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_roles)

    @property
    def holds_access(self) -> bool:
        """The account is switched on: enabled, or only locked out for now (a lock lifts by
        itself or at the help desk; it is not a revocation). What access reviews and the
        leaver check look at."""
        return self.enabled or self.state == "locked"

    @property
    def addresses(self) -> frozenset[str]:
        """The user's e-mail addresses (the e-mail and a username that is one), lower-cased:
        what matches the user to a person of the register."""
        return frozenset(
            value.strip().lower() for value in (self.email, self.username) if "@" in value
        )

    def days_without_sign_in(self, now: dt.datetime) -> int | None:
        """Whole days since the last sign-in (or, never signed in, since the account was
        created); None when the snapshot gives neither."""
        since = self.last_sign_in or self.created
        return None if since is None else (now - since).days

    def label(self) -> str:
        return (
            self.username
            if not self.name or self.name == self.username
            else (f"{self.username} ({self.name})")
        )


@dataclass(frozen=True)
class IdentityGroup:
    id: str
    name: str
    member_count: int


@dataclass(frozen=True)
class IdentityRole:
    id: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class MfaPolicy:
    enforced_for_all: bool | None
    enforced_for_admins: bool | None
    detail: str


@dataclass(frozen=True)
class Identity:
    """One identity-provider tenant, as one snapshot states it."""

    provider: str
    tenant: str
    users: tuple[IdentityUser, ...]
    groups: tuple[IdentityGroup, ...]
    admin_roles: tuple[IdentityRole, ...]
    mfa_policy: MfaPolicy
    unreadable: Mapping[str, str]

    @property
    def provider_label(self) -> str:
        return PROVIDERS[self.provider]

    @property
    def where(self) -> str:
        """How a message names the tenant: ``"Okta kestrel.okta.com"``."""
        return f"{self.provider_label} {self.tenant}"

    @property
    def enabled_users(self) -> tuple[IdentityUser, ...]:
        return tuple(user for user in self.users if user.enabled)

    @property
    def enabled_admins(self) -> tuple[IdentityUser, ...]:
        return tuple(user for user in self.users if user.enabled and user.is_admin)

    def by_address(self) -> dict[str, list[IdentityUser]]:
        """Users by each of their lower-cased addresses."""
        found: dict[str, list[IdentityUser]] = {}
        for user in self.users:
            for address in user.addresses:
                found.setdefault(address, []).append(user)
        return found


def read_identity(data: Any) -> Identity:
    """The typed reading of an identity snapshot's ``data``; ``IdentityDataError`` listing the
    problems when it does not follow the contract."""
    problems = check_identity_data(data)
    if problems:
        raise IdentityDataError(problems)
    policy = data["mfa_policy"]
    return Identity(
        provider=data["provider"],
        tenant=data["tenant"],
        users=tuple(_user(user) for user in data["users"]),
        groups=tuple(IdentityGroup(g["id"], g["name"], g["member_count"]) for g in data["groups"]),
        admin_roles=tuple(
            IdentityRole(r["id"], r["name"], tuple(r["members"])) for r in data["admin_roles"]
        ),
        mfa_policy=MfaPolicy(
            policy["enforced_for_all"], policy["enforced_for_admins"], policy["detail"]
        ),
        unreadable=dict(data["unreadable"]),
    )


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else _parse(value)


def _user(raw: Mapping[str, Any]) -> IdentityUser:
    return IdentityUser(
        **{key: raw[key] for key in USER_STRINGS},
        state=raw["state"],
        enabled=raw["enabled"],
        mfa_enrolled=raw["mfa_enrolled"],
        mfa_methods=tuple(raw["mfa_methods"]),
        last_sign_in=_time(raw["last_sign_in"]),
        created=_time(raw["created"]),
        admin_roles=tuple(raw["admin_roles"]),
        groups=tuple(raw["groups"]),
        external=raw["external"],
    )


def read_snapshot(snapshot: Any) -> Identity:
    """The typed reading of a loaded identity ``formats.snapshot.Snapshot``."""
    if getattr(snapshot, "kind", None) != KIND:
        raise IdentityDataError([f"a {getattr(snapshot, 'kind', '?')} snapshot, not identity"])
    return read_identity(snapshot.data)


def user_names(users: Iterable[IdentityUser]) -> list[str]:
    return [user.label() for user in users]
