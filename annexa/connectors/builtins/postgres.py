"""PostgreSQL server: security settings, host-based authentication rules, roles, databases.

The connector logs in over TCP (never a Unix socket: the host goes through the same address
check as every outbound connection, see ``netguard``) and reads, inside one ``READ ONLY``
transaction with a statement timeout:

- the server version;
- the security-relevant settings of ``pg_settings`` (TLS, password hashing, logging,
  connection limits, listen addresses, preloaded libraries such as pgaudit);
- the rules of ``pg_hba.conf`` (``pg_hba_file_rules``, superusers only by default);
- the roles with their attributes and memberships, and *how* each password is hashed
  (computed on the server from ``pg_authid``: the hash itself never leaves it);
- TLS of the connection itself (``pg_stat_ssl``) and the databases with their limits.

What the account may not read is recorded as ``{"readable": false, "error": …}`` so the
tests that need it report an error instead of passing. The snapshot holds facts only and
nothing that changes while the server does not (no PIDs, times or sizes).
"""

from __future__ import annotations

import ipaddress
from typing import Any

import psycopg

from annexa.connectors import netguard
from annexa.connectors.base import (
    BaseConnector,
    CollectError,
    Environment,
    EvidenceSink,
    put_snapshot,
)
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

KIND = "postgres"
SSLMODES = ("disable", "prefer", "require", "verify-full")
SETTINGS = (
    "ssl",
    "ssl_min_protocol_version",
    "password_encryption",
    "log_connections",
    "log_disconnections",
    "log_statement",
    "log_min_duration_statement",
    "logging_collector",
    "log_line_prefix",
    "max_connections",
    "superuser_reserved_connections",
    "reserved_connections",
    "idle_session_timeout",
    "listen_addresses",
    "shared_preload_libraries",
)
# Settings that exist only in some versions or only when an extension is loaded: their
# absence is a fact about the server, not a permission problem.
OPTIONAL_SETTINGS = frozenset({"reserved_connections", "idle_session_timeout"})
# Predefined roles that let their members read or run anything on the server's host.
POWERFUL_ROLES = frozenset(
    {"pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"}
)

# The password's hashing method, decided on the server: only these words leave it.
_HASHING = """
    CASE WHEN a.rolpassword IS NULL THEN NULL
         WHEN a.rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256'
         WHEN a.rolpassword ~ '^md5[0-9a-f]{32}$' THEN 'md5'
         ELSE 'other' END
"""
_VALID_UNTIL = """
    CASE WHEN r.rolvaliduntil IS NULL THEN NULL
         WHEN r.rolvaliduntil = 'infinity' THEN 'infinity'
         ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
"""
_ROLES = """
    SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
           r.rolcanlogin, r.rolreplication, r.rolbypassrls, r.rolconnlimit,
           {valid_until} AS valid_until, {password} AS password,
           ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 WHERE m.member = r.oid ORDER BY g.rolname) AS member_of
    FROM pg_roles r {join}
    WHERE r.rolname !~ '^pg_'
    ORDER BY r.rolname
"""


@connector_config
class PostgresConfig(ConnectorConfig):
    host: str = setting("host name or IP address of the PostgreSQL server")
    port: int = setting("TCP port", default=5432, minimum=1, maximum=65535)
    dbname: str = setting("database to connect to", default="postgres")
    user: str = setting(
        "role to log in as: a superuser, or a role granted pg_read_all_settings "
        "(pg_hba.conf rules and password methods need a superuser)"
    )
    password: Secret | None = secret("password of that role", required=False)
    sslmode: str = setting(
        "TLS: disable, prefer, require (encrypted, server not verified) or verify-full "
        "(encrypted, certificate and host name verified)",
        default="verify-full",
        choices=SSLMODES,
    )
    ca_cert_path: str = setting(
        "verify-full: the CA certificate (PEM) relative to the import directory; empty uses "
        "the system's trusted CAs",
        default="",
    )
    connect_timeout: int = setting(
        "seconds to wait for the connection", default=10, minimum=2, maximum=120
    )
    statement_timeout: int = setting(
        "seconds any one query may run", default=15, minimum=1, maximum=300
    )

    def check(self) -> dict[str, str]:
        if self.host.startswith("/") or any(c.isspace() for c in self.host):
            return {"host": "give a host name or IP address (Unix sockets are not used)"}
        try:
            literal = netguard.parse_ip(self.host)
        except netguard.OutboundRefused as exc:
            return {"host": str(exc)}
        if literal is not None and (
            reason := netguard.refusal(literal, netguard.configured_allow_list())
        ):
            return {
                "host": f"refused: {literal} is {reason}; an administrator can allow a range "
                "with ANNEXA_OUTBOUND_ALLOW"
            }
        if self.ca_cert_path and self.sslmode != "verify-full":
            return {"ca_cert_path": "a CA certificate is only used with sslmode verify-full"}
        return {}


@register
class PostgresConnector(BaseConnector):
    name = KIND
    label = "PostgreSQL server"
    description = (
        "TLS, password hashing, pg_hba.conf rules, logging, connection limits, roles and "
        "databases of a PostgreSQL server, read in a read-only transaction."
    )
    config_class = PostgresConfig
    produces = (KIND,)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, PostgresConfig)
        target = f"{config.host}:{config.port}"
        try:
            address = netguard.resolve(config.host, config.port)[0]
        except netguard.OutboundRefused as exc:
            raise CollectError(str(exc)) from None
        sink.progress(f"connecting to {target}")
        with _connect(config, str(address), env) as conn:
            sink.progress(f"reading settings, rules and roles of {target}")
            try:
                data = read_server(conn)
            except psycopg.Error as exc:
                reason = " ".join(str(exc).split())[:500]
                raise CollectError(
                    f"reading {target} failed: {reason}; the connector needs PostgreSQL 10 or "
                    "later and a role that may read the system catalogs"
                ) from None
        put_snapshot(env, sink, KIND, target, data)


def _connect(config: PostgresConfig, address: str, env: Environment):
    """A connection to the checked ``address`` (the host name is kept for TLS verification);
    ``CollectError`` saying what to fix, never repeating the password."""
    params: dict[str, Any] = {
        "host": config.host,
        "hostaddr": address,
        "port": config.port,
        "dbname": config.dbname,
        "user": config.user,
        # "" (not None) so libpq never falls back to PGPASSWORD or ~/.pgpass of this server.
        "password": config.password.reveal() if config.password else "",
        "passfile": str(env.scratch / "no-passfile"),
        "sslmode": config.sslmode,
        "gssencmode": "disable",
        "connect_timeout": config.connect_timeout,
        "application_name": "annexa",
        "options": f"-c statement_timeout={config.statement_timeout * 1000} "
        "-c lock_timeout=5000 -c default_transaction_read_only=on -c TimeZone=UTC",
    }
    if config.sslmode == "verify-full":
        params["sslrootcert"] = (
            str(env.resolve_import(config.ca_cert_path)) if config.ca_cert_path else "system"
        )
    try:
        conn = psycopg.connect(**params)
    except psycopg.Error as exc:
        raise CollectError(_explain(exc, config, address)) from None
    conn.read_only = True
    return conn


def _explain(exc: Exception, config: PostgresConfig, address: str) -> str:
    """A connection failure in words, with what to fix; the password never appears."""
    where = f"{config.host}:{config.port}" + (f" ({address})" if address != config.host else "")
    text = " ".join(str(exc).split())
    if config.password and config.password.reveal():
        text = text.replace(config.password.reveal(), "********")
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        hint = f"check the user {config.user!r} and its password"
    elif "does not exist" in lowered and "database" in lowered:
        hint = f"check the database name {config.dbname!r}"
    elif "permission denied for database" in lowered:
        hint = f"grant the role {config.user!r} CONNECT on the database {config.dbname!r}"
    elif "no pg_hba.conf entry" in lowered:
        hint = "the server's pg_hba.conf has no rule admitting this connection"
    elif "refused" in lowered or "timeout" in lowered or "timed out" in lowered:
        hint = (
            "check that the server runs, listens on this address and port, and that no "
            "firewall blocks it"
        )
    elif "certificate" in lowered or "ssl" in lowered:
        hint = "check the sslmode and the CA certificate"
    else:
        hint = "check the host, port, database and credentials"
    return f"cannot connect to PostgreSQL at {where}: {hint} ({text[:500]})"


# --- reading ----------------------------------------------------------------------------------


def read_server(conn) -> dict[str, Any]:
    """Everything the tests need from one connected server (see the module docstring)."""
    with conn.transaction():
        version_num = int(_scalar(conn, "SELECT current_setting('server_version_num')"))
        data: dict[str, Any] = {
            "server": {
                "version": _scalar(conn, "SELECT current_setting('server_version')").split()[0],
                "version_num": version_num,
                "major": version_num // 10000,
            },
            "connection": _connection(conn),
        }
        data["settings"], data["settings_unreadable"], data["extensions"] = _settings(conn)
        data["hba"] = _optional(conn, _hba)
        data["roles"] = _roles(conn)
        data["databases"] = _databases(conn)
    return data


def _scalar(conn, sql: str, params: tuple = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def _connection(conn) -> dict[str, Any]:
    user, superuser = conn.execute(
        "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    row = conn.execute(
        "SELECT ssl, version, cipher, bits FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    ).fetchone()
    ssl = {"ssl": False}
    if row and row[0]:
        ssl = {"ssl": True, "version": row[1], "cipher": row[2], "bits": row[3]}
    return {"user": user, "superuser": bool(superuser), "tls": ssl}


def _settings(conn) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """The wanted settings (pgaudit's too) by name, those the account cannot see, and the
    extensions installed in the connected database."""
    rows = conn.execute(
        "SELECT name, setting, unit FROM pg_settings "
        "WHERE name = ANY(%s) OR name LIKE 'pgaudit.%%'",
        (list(SETTINGS),),
    ).fetchall()
    values = {name: _with_unit(setting, unit) for name, setting, unit in rows}
    unreadable = sorted(set(SETTINGS) - set(values) - OPTIONAL_SETTINGS)
    extensions = dict(conn.execute("SELECT extname, extversion FROM pg_extension").fetchall())
    return dict(sorted(values.items())), unreadable, dict(sorted(extensions.items()))


def _with_unit(setting: str | None, unit: str | None) -> str | None:
    """``"5000ms"`` for a timeout, ``"on"`` for a switch: the value as one would write it."""
    if setting is None or unit not in ("ms", "s", "min"):
        return setting
    return f"{setting}{unit}"


def _optional(conn, reader) -> dict[str, Any]:
    """``reader(conn)``, or unreadable with the server's reason when permission is denied."""
    try:
        with conn.transaction():
            return {"readable": True, **reader(conn)}
    except psycopg.errors.InsufficientPrivilege as exc:
        return {"readable": False, "error": " ".join(str(exc).split())[:300]}


def _hba(conn) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT line_number, type, database, user_name, address, netmask, auth_method, error "
        "FROM pg_hba_file_rules ORDER BY line_number"
    ).fetchall()
    rules = []
    for line, kind, databases, users, address, netmask, method, error in rows:
        rule = {
            "line": line,
            "type": kind,
            "databases": list(databases or []),
            "users": list(users or []),
            "address": _network(address, netmask),
            "auth_method": method,
        }
        if error:
            rule["error"] = error
        rules.append(rule)
    return {"rules": rules}


def _network(address: str | None, netmask: str | None) -> str | None:
    """``"10.0.0.0/8"`` from an address and a netmask; keywords and names as written."""
    if address is None or netmask is None:
        return address
    try:
        # IPv6 networks take no netmask notation: count the mask's bits instead.
        bits = bin(int(ipaddress.ip_address(netmask))).count("1")
        return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
    except ValueError:
        return f"{address}/{netmask}"


def _roles(conn) -> dict[str, Any]:
    """Every role but the predefined ``pg_*`` ones, for the tests and for access reviews;
    the password *method* when ``pg_authid`` is readable (superusers), else unknown."""
    try:
        with conn.transaction():
            # nosemgrep: raw-sql-string-formatting - our constant fragments, no input
            rows = conn.execute(
                _ROLES.format(
                    valid_until=_VALID_UNTIL,
                    password=_HASHING,
                    join="JOIN pg_authid a ON a.oid = r.oid",
                )
            ).fetchall()
        passwords_readable = True
    except psycopg.errors.InsufficientPrivilege:
        unknown = {"valid_until": _VALID_UNTIL, "password": "NULL", "join": ""}
        # nosemgrep: raw-sql-string-formatting - our constant fragments, no input
        rows = conn.execute(_ROLES.format(**unknown)).fetchall()
        passwords_readable = False
    accounts = []
    for row in rows:
        (name, superuser, inherit, createrole, createdb, login, replication, bypassrls) = row[:8]
        limit, valid_until, password, member_of = row[8:]
        accounts.append(
            {
                "name": name,
                "superuser": superuser,
                "inherit": inherit,
                "createrole": createrole,
                "createdb": createdb,
                "login": login,
                "replication": replication,
                "bypassrls": bypassrls,
                "connection_limit": limit,
                "valid_until": valid_until,
                "password": password if passwords_readable else "unknown",
                "member_of": list(member_of),
                "privileged": bool(
                    superuser
                    or createrole
                    or replication
                    or bypassrls
                    or POWERFUL_ROLES & set(member_of)
                ),
            }
        )
    return {"readable": True, "passwords_readable": passwords_readable, "accounts": accounts}


def _databases(conn) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT datname, datallowconn, datconnlimit, datistemplate FROM pg_database "
        "ORDER BY datname"
    ).fetchall()
    return [
        {"name": name, "allow_connections": allow, "connection_limit": limit, "template": template}
        for name, allow, limit, template in rows
    ]
