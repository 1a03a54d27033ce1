"""The facts of a PostgreSQL snapshot as the control tests need them.

Each accessor returns None when the snapshot does not hold the fact (an older snapshot, or an
account that may not read it), so a test can report an error instead of guessing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from annexa.connectors.formats.snapshot import Snapshot

TRUE = frozenset({"on", "true", "yes", "1"})
FALSE = frozenset({"off", "false", "no", "0", ""})
# pg_hba.conf address keywords that only match connections from the server itself.
LOCAL_KEYWORDS = frozenset({"samehost", "localhost"})
NETWORK_TYPES = frozenset({"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"})
# Rule types a client can use without TLS ("host" matches both kinds of connection).
PLAIN_TYPES = frozenset({"host", "hostnossl", "hostgssenc", "hostnogssenc"})


def setting(snapshot: Snapshot, name: str) -> str | None:
    """A server setting as text (``"on"``, ``"scram-sha-256"``, ``"5000ms"``), or None."""
    value = snapshot.get(f"settings.{name}")
    return value if isinstance(value, str) else None


def switch(value: str | None) -> bool | None:
    """A boolean setting's value, None when it is not a boolean."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return None


def integer(value: str | None) -> int | None:
    if value is None or not value.strip().lstrip("-").isdigit():
        return None
    return int(value)


def hba_rules(snapshot: Snapshot) -> list[dict[str, Any]] | None:
    """The pg_hba.conf rules, None when they were not readable."""
    if snapshot.get("hba.readable") is not True:
        return None
    rules = snapshot.get("hba.rules")
    return rules if isinstance(rules, list) else None


def is_local_address(address: str | None) -> bool:
    """Does a rule's address only match connections from the server itself (loopback)?"""
    if not address:
        return False
    if address in LOCAL_KEYWORDS:
        return True
    try:
        return ipaddress.ip_network(address, strict=False).is_loopback
    except ValueError:
        return False  # "all", "samenet", a host name or a domain suffix


def network_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules that admit TCP clients from other machines and do not simply reject them."""
    return [
        rule
        for rule in rules
        if rule.get("type") in NETWORK_TYPES
        and not is_local_address(rule.get("address"))
        and rule.get("auth_method") != "reject"
        and not rule.get("error")
    ]


def describe_rule(rule: dict[str, Any]) -> str:
    """``line 92: host all all 0.0.0.0/0 trust``."""
    databases = ",".join(rule.get("databases") or []) or "?"
    users = ",".join(rule.get("users") or []) or "?"
    return (
        f"line {rule.get('line')}: {rule.get('type')} {databases} {users} "
        f"{rule.get('address') or ''} {rule.get('auth_method')}"
    ).replace("  ", " ")


def accounts(snapshot: Snapshot) -> list[dict[str, Any]] | None:
    """The roles (predefined ``pg_*`` roles left out), None when they were not read."""
    if snapshot.get("roles.readable") is not True:
        return None
    found = snapshot.get("roles.accounts")
    return found if isinstance(found, list) else None


def login_roles(snapshot: Snapshot) -> list[dict[str, Any]] | None:
    """The roles that can log in, None when the roles were not read."""
    found = accounts(snapshot)
    return None if found is None else [a for a in found if a.get("login")]


def passwords_known(snapshot: Snapshot) -> bool:
    """Were the roles' password methods readable (``pg_authid``, superusers only)?"""
    return snapshot.get("roles.passwords_readable") is True
