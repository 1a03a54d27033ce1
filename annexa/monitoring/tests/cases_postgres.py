"""PASS, FAIL and empty-input cases of the postgres snapshot tests (see ``cases``).

Each record list holds one ``Snapshot``; the empty case is a snapshot with no data.
``server()`` is a well-configured server as the connector records it; each failing case
changes one fact of it.
"""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.tests.snapshots import changed

ERROR, NA = "error", "not_applicable"
TARGET = "db1.example:5432"


def role(name: str, **values: Any) -> dict[str, Any]:
    """A login role with a SCRAM password and no special attributes."""
    return {
        "name": name,
        "superuser": False,
        "inherit": True,
        "createrole": False,
        "createdb": False,
        "login": True,
        "replication": False,
        "bypassrls": False,
        "connection_limit": -1,
        "valid_until": None,
        "password": "scram-sha-256",
        "member_of": [],
        "privileged": False,
    } | values


def rule(line: int, kind: str, address: str | None, method: str) -> dict[str, Any]:
    return {
        "line": line,
        "type": kind,
        "databases": ["all"],
        "users": ["all"],
        "address": address,
        "auth_method": method,
    }


BASE: dict[str, Any] = {
    "server": {"version": "16.4", "version_num": 160004, "major": 16},
    "connection": {"user": "annexa", "superuser": True, "tls": {"ssl": True}},
    "settings": {
        "ssl": "on",
        "ssl_min_protocol_version": "TLSv1.2",
        "password_encryption": "scram-sha-256",
        "log_connections": "on",
        "log_disconnections": "on",
        "log_statement": "ddl",
        "log_min_duration_statement": "-1ms",
        "logging_collector": "on",
        "log_line_prefix": "%m [%p] %q%u@%d ",
        "max_connections": "200",
        "superuser_reserved_connections": "3",
        "reserved_connections": "0",
        "idle_session_timeout": "0ms",
        "listen_addresses": "localhost, 10.0.4.12",
        "shared_preload_libraries": "",
    },
    "settings_unreadable": [],
    "extensions": {"plpgsql": "1.0"},
    "hba": {
        "readable": True,
        "rules": [
            rule(1, "local", None, "peer"),
            rule(2, "host", "127.0.0.1/32", "trust"),
            rule(3, "hostssl", "10.0.0.0/8", "scram-sha-256"),
            rule(4, "host", "0.0.0.0/0", "reject"),
        ],
    },
    "roles": {
        "readable": True,
        "passwords_readable": True,
        "accounts": [
            role("postgres", superuser=True, password=None, privileged=True),
            role("app", valid_until="infinity"),
            role("reporting", valid_until="2026-01-01T00:00:00Z"),
            role("readers", login=False, password=None),
        ],
    },
    "databases": [
        {"name": "app", "allow_connections": True, "connection_limit": 100, "template": False}
    ],
}


def server(**changes: Any) -> list[Snapshot]:
    """The well-configured server with ``changes`` (dotted paths, ``__`` for the dots)."""
    return changed("postgres", TARGET, BASE, changes, "__")


def with_rule(*extra: dict[str, Any]) -> list[Snapshot]:
    return server(hba__rules=[*BASE["hba"]["rules"][:3], *extra])


def with_role(*extra: dict[str, Any]) -> list[Snapshot]:
    return server(roles__accounts=[*BASE["roles"]["accounts"], *extra])


PASSING = server()

CASES: list[tuple] = [
    ("postgres_tls_required", PASSING, with_rule(rule(5, "host", "0.0.0.0/0", "md5")), ERROR),
    ("postgres_password_encryption", PASSING, server(settings__password_encryption="md5"), ERROR),
    (
        "postgres_md5_passwords",
        PASSING,
        with_role(role("legacy", password="md5"), role("old", password="other")),
        ERROR,
    ),
    ("postgres_hba_trust", PASSING, with_rule(rule(5, "hostssl", "samenet", "trust")), ERROR),
    ("postgres_superusers", PASSING, with_role(role("dba", superuser=True)), ERROR),
    ("postgres_log_connections", PASSING, server(settings__log_connections="off"), ERROR),
    ("postgres_log_disconnections", PASSING, server(settings__log_disconnections="off"), ERROR),
    ("postgres_statement_logging", PASSING, server(settings__log_statement="none"), ERROR),
    (
        "postgres_connection_limits",
        PASSING,
        server(settings__superuser_reserved_connections="0"),
        ERROR,
    ),
    (
        "postgres_role_expiry",
        PASSING,
        with_role(role("contractor", valid_until="2025-03-31T00:00:00Z")),
        ERROR,
    ),
    ("postgres_listen_addresses", PASSING, server(settings__listen_addresses="*"), ERROR),
    (
        "postgres_version_supported",
        PASSING,
        server(server={"version": "12.20", "version_num": 120020, "major": 12}),
        ERROR,
    ),
]
