"""Are the ledger's append-only triggers in force on this PostgreSQL database, for this role?

Checked at start-up (``annexa serve``), by ``annexa verify`` and by Django's database checks
(``manage.py check --database default``). Errors: a trigger is missing, disabled, fires only
for replicas, or calls a function that no longer refuses; or this session skips ordinary
triggers (``session_replication_role``). Warnings: the application's role could switch the
triggers off itself, because it is a superuser or owns a ledger table (docs/deploy.md,
"Database roles"). SQLite has no triggers that survive ``sqlite3`` on the file: nothing to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, connection

FUNCTION = "annexa_ledger_append_only"
REFUSAL = "RAISE EXCEPTION 'the Annexa ledger is append-only"
# The tables migration 0002 guards, and the migration that must have run for them to exist.
TABLES = (
    "ledger_ledgerentry",
    "ledger_checkpoint",
    "ledger_trustedkey",
    "ledger_checkpointtimestamp",  # migration 0003
)
MIGRATION = ("ledger", "0002_append_only_triggers")
# pg_trigger.tgtype bits: ROW 1, BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32.
ROW_TRIGGER = ("append_only", 1 | 2 | 8 | 16, "UPDATE and DELETE")
TRUNCATE_TRIGGER = ("no_truncate", 2 | 32, "TRUNCATE")
FIX = (
    "as the tables' owner, run ALTER TABLE {table} ENABLE TRIGGER {trigger} "
    "(or `annexa init` on a fresh database); see docs/deploy.md, Database roles"
)


@dataclass(frozen=True)
class GuardProblem:
    level: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return self.message


def guard_problems(conn=None) -> list[GuardProblem]:
    """Every reason the database would not refuse a change to a ledger row; [] when sound."""
    conn = conn or connection
    if conn.vendor != "postgresql":
        return []
    try:
        with conn.cursor() as cursor:
            if not _migrated(cursor):
                return []
            problems = _session_problems(cursor)
            for table in _existing(cursor):
                problems.extend(_table_problems(cursor, table))
            return problems + _role_problems(cursor)
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return [GuardProblem("error", f"cannot check the ledger's triggers: {first}")]


def _migrated(cursor) -> bool:
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("SELECT 1 FROM django_migrations WHERE app = %s AND name = %s", MIGRATION)
    return cursor.fetchone() is not None


def _existing(cursor) -> list[str]:
    """The guarded tables this database has (during an upgrade, a newer one may not yet)."""
    cursor.execute(
        "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL", [list(TABLES)]
    )
    found = {name for (name,) in cursor}
    return [table for table in TABLES if table in found]


def _session_problems(cursor) -> list[GuardProblem]:
    cursor.execute("SELECT current_setting('session_replication_role')")
    mode = cursor.fetchone()[0]
    if mode == "origin":
        return []
    message = (
        f"this database session has session_replication_role = {mode}, which skips the "
        "ledger's append-only triggers; remove the setting from the role or the URL"
    )
    return [GuardProblem("error", message)]


def _table_problems(cursor, table: str) -> list[GuardProblem]:
    cursor.execute(
        "SELECT t.tgname, t.tgenabled, t.tgtype, p.proname, p.prosrc FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = to_regclass(%s) "
        "AND NOT t.tgisinternal",
        [table],
    )
    found = {name: (enabled, kind, func, source) for name, enabled, kind, func, source in cursor}
    problems = []
    for suffix, bits, what in (ROW_TRIGGER, TRUNCATE_TRIGGER):
        trigger = f"{table}_{suffix}"
        fix = FIX.format(table=table, trigger=trigger)
        if trigger not in found:
            detail = f"the trigger {trigger} that refuses {what} on {table} is missing"
            fix = "restore it from migration ledger 0002 (docs/deploy.md, Database roles)"
            problems.append(GuardProblem("error", f"{detail}; {fix}"))
            continue
        enabled, kind, func, source = found[trigger]
        if enabled in ("D", "R"):
            state = "disabled" if enabled == "D" else "set to fire for replicas only"
            detail = f"the trigger {trigger} that refuses {what} on {table} is {state}"
            problems.append(GuardProblem("error", f"{detail}; {fix}"))
        elif kind & bits != bits or func != FUNCTION or REFUSAL not in source:
            detail = (
                f"the trigger {trigger} on {table} no longer refuses {what} (its events or "
                f"its function {func}() were changed)"
            )
            fix = "restore it from migration ledger 0002 (docs/deploy.md, Database roles)"
            problems.append(GuardProblem("error", f"{detail}; {fix}"))
    return problems


def _role_problems(cursor) -> list[GuardProblem]:
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    role, superuser = cursor.fetchone()
    advice = (
        "it could disable the append-only triggers; run the application as a role that may "
        "only read and append (docs/deploy.md, Database roles)"
    )
    if superuser:
        return [GuardProblem("warning", f"the database role {role} is a superuser: {advice}")]
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r' "
        "AND c.relnamespace = to_regnamespace(current_schema()) "
        "AND pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname",
        [list(TABLES)],
    )
    owned = [name for (name,) in cursor]
    if owned:
        tables = ", ".join(owned)
        return [GuardProblem("warning", f"the database role {role} owns {tables}: {advice}")]
    cursor.execute(
        "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL AND ("
        "has_table_privilege(t, 'UPDATE') OR has_table_privilege(t, 'DELETE') "
        "OR has_table_privilege(t, 'TRUNCATE')) ORDER BY t",
        [list(TABLES)],
    )
    writable = [name for (name,) in cursor]
    if not writable:
        return []
    message = (
        f"the database role {role} holds UPDATE, DELETE or TRUNCATE on {', '.join(writable)} "
        "(the triggers still refuse them); `annexa init` with ANNEXA_MIGRATE_DATABASE_URL "
        "revokes them (docs/deploy.md, Database roles)"
    )
    return [GuardProblem("warning", message)]


def errors_and_warnings(conn=None) -> tuple[list[str], list[str]]:
    """``guard_problems`` split by level, as messages for a command to print."""
    problems = guard_problems(conn)
    return (
        [p.message for p in problems if p.level == "error"],
        [p.message for p in problems if p.level == "warning"],
    )


def check_migrate_alias(databases: dict) -> str | None:
    """What is wrong with ANNEXA_MIGRATE_DATABASE_URL next to ANNEXA_DATABASE_URL, or None."""
    owner, app = databases["migrate"], databases["default"]
    engine = "django.db.backends.postgresql"
    if owner["ENGINE"] != engine or app["ENGINE"] != engine:
        return (
            "ANNEXA_MIGRATE_DATABASE_URL needs PostgreSQL in both it and ANNEXA_DATABASE_URL "
            "(SQLite has no roles); unset it on SQLite"
        )
    where = ("HOST", "PORT", "NAME")
    if [owner.get(k) for k in where] != [app.get(k) for k in where]:
        return (
            "ANNEXA_MIGRATE_DATABASE_URL and ANNEXA_DATABASE_URL must name the same database "
            "(host, port and database name); only the role differs"
        )
    return None


def restrict_app_role(owner_conn, app_role: str) -> None:
    """As the tables' owner: the application's role may read and append to the ledger tables,
    never UPDATE, DELETE or TRUNCATE them (the default privileges give it those on every
    table; docs/deploy.md, "Database roles"). Idempotent: ``annexa init`` runs it each time."""
    with owner_conn.cursor() as cursor:
        for table in _existing(cursor):
            for grantee in (owner_conn.ops.quote_name(app_role), "PUBLIC"):
                # nosemgrep: raw-sql-string-formatting - our TABLES and a quoted role name
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {grantee}")
