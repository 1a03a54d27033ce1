"""The set-up of docs/deploy.md "Database roles", on a throw-away database with throw-away roles:
migrations run as the owner, the application as a role that can read and append to the ledger
but neither disable its triggers nor update, delete or truncate its rows — and still works."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from annexa.ledger.tests.instance import ROOT, Instance

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database roles and the append-only triggers exist on PostgreSQL only",
)

LEDGER_TABLES = (
    "ledger_ledgerentry",
    "ledger_checkpoint",
    "ledger_trustedkey",
    "ledger_checkpointtimestamp",
)


def documented_sql(owner: str, app: str, database: str) -> tuple[str, str]:
    """The two SQL blocks of docs/deploy.md "Database roles": on the server, in the database."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("## Database roles", 1)[1].split("\n## ", 1)[0]
    server, in_database = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)[:2]

    def named(sql: str) -> str:
        sql = re.sub(r"\bannexa_owner\b", owner, sql)
        sql = re.sub(r"\bannexa_app\b", app, sql)
        return sql.replace("DATABASE annexa OWNER", f"DATABASE {database} OWNER")

    return named(server), named(in_database)


class Server:
    """The test suite's PostgreSQL server, reached as its (superuser) role."""

    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        self.host, self.port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        self.admin = db["USER"] or "postgres"

    def url(self, role: str, database: str) -> str:
        return f"postgres://{role}@{self.host}:{self.port}/{database}"

    def connect(self, role: str, database: str) -> psycopg.Connection:
        return psycopg.connect(self.url(role, database), autocommit=True)

    def run(self, database: str, sql: str, role: str | None = None) -> None:
        with self.connect(role or self.admin, database) as conn:
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(statement)


@pytest.fixture
def roles():
    """Throw-away owner and application roles and a database owned by the first; dropped after."""
    server, tag = Server(), secrets.token_hex(4)
    owner, app, database = f"annexa_t{tag}_owner", f"annexa_t{tag}_app", f"annexa_t{tag}"
    on_server, in_database = documented_sql(owner, app, database)
    try:
        server.run("postgres", on_server)
        server.run(database, in_database)
        yield server, owner, app, database
    finally:
        with server.connect(server.admin, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {app}")
            conn.execute(f"DROP ROLE IF EXISTS {owner}")


def _refused(server: Server, app: str, database: str, sql: str) -> str:
    with server.connect(app, database) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(sql)
    return str(caught.value)


def test_the_application_role_appends_but_cannot_alter_the_ledger(roles, tmp_path: Path):
    server, owner, app, database = roles
    instance = Instance(
        tmp_path / "home",
        ANNEXA_DATABASE_URL=server.url(app, database),
        ANNEXA_MIGRATE_DATABASE_URL=server.url(owner, database),
    )
    instance.ok("init")
    # Everything below runs as the application's role.
    instance.ok("org", "create", "--name", "Acme Ltd", "--slug", "acme")
    instance.ok("user", "create", "--org", "acme", "--email", "o@acme.test", "--role", "owner")
    kept = tmp_path / "checkpoint.json"
    instance.ok("checkpoint", "--org", "acme", "-o", str(kept))
    instance.ok("org", "create", "--name", "Globex", "--slug", "globex")
    verified = instance.ok("verify", "--against", str(kept))
    assert "OK:" in verified.stdout
    assert "warning" not in verified.stderr, verified.stderr  # no ownership, no UPDATE/DELETE

    for table in LEDGER_TABLES:
        for what in ("USER", f"{table}_append_only"):
            message = _refused(server, app, database, f"ALTER TABLE {table} DISABLE TRIGGER {what}")
            assert f"must be owner of table {table}" in message
        for sql in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            assert "permission denied" in _refused(server, app, database, sql)

    # The same database used as the owner (the one-role set-up): it works, with a warning.
    as_owner = Instance(tmp_path / "home", ANNEXA_DATABASE_URL=server.url(owner, database))
    warned = as_owner.ok("verify")
    assert (
        f"the database role {owner} owns ledger_checkpoint, ledger_checkpointtimestamp, "
        "ledger_ledgerentry, "
        "ledger_trustedkey: it could disable the append-only triggers"
    ) in " ".join(warned.stderr.split())
