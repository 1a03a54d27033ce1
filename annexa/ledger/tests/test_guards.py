"""Start-up checks: `annexa serve`, `annexa verify` and Django's database checks name a disabled,
missing or defused append-only trigger (PostgreSQL only: SQLite has no such triggers)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import services
from annexa.ledger.guards import guard_problems
from annexa.ledger.tests.conftest import words

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only triggers exist on PostgreSQL only; SQLite relies on the hashes",
)


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred FK checks of this transaction are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


def _errors() -> list[str]:
    return [p.message for p in guard_problems() if p.level == "error"]


@pytest.fixture
def ledger(isla):
    services.append(isla.ctx, object_type="t", object_id="1", action="a", data={})
    return isla.ctx.org


def test_a_sound_database_has_no_errors_but_a_superuser_is_named(ledger):
    problems = guard_problems()
    assert _errors() == []
    # The test suite connects as a superuser, which could switch the triggers off.
    assert [p.level for p in problems] == ["warning"]
    assert "is a superuser: it could disable the append-only triggers" in problems[0].message


def test_a_disabled_trigger_is_named_everywhere(ledger, settings):
    _sql("ALTER TABLE ledger_ledgerentry DISABLE TRIGGER ledger_ledgerentry_append_only")
    [error] = _errors()
    assert error.startswith(
        "the trigger ledger_ledgerentry_append_only that refuses UPDATE and DELETE on "
        "ledger_ledgerentry is disabled; as the tables' owner, run ALTER TABLE "
        "ledger_ledgerentry ENABLE TRIGGER ledger_ledgerentry_append_only"
    )
    with pytest.raises(SystemCheckError, match=r"ledger\.E001.*ledger_ledgerentry_append_only"):
        call_command("check", databases=["default"])
    runner = CliRunner()
    verified = runner.invoke(app, ["verify", "--org", "acme"])
    assert verified.exit_code == 1
    assert "OK:" in verified.stdout  # the data itself is intact
    assert "ledger_ledgerentry_append_only" in words(verified.stderr)
    assert "the database does not enforce append-only" in words(verified.stderr)
    settings.SECRET_KEY = "x" * 50
    served = runner.invoke(app, ["serve", "--port", "1"])
    assert served.exit_code == 1
    assert "the ledger is not append-only in the database" in words(served.stderr)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "ALTER TABLE ledger_checkpoint DISABLE TRIGGER USER",
            "ledger_checkpoint_append_only that refuses UPDATE and DELETE on ledger_checkpoint "
            "is disabled",
        ),
        (
            "ALTER TABLE ledger_trustedkey ENABLE REPLICA TRIGGER ledger_trustedkey_no_truncate",
            "ledger_trustedkey_no_truncate that refuses TRUNCATE on ledger_trustedkey is set to "
            "fire for replicas only",
        ),
        (
            "DROP TRIGGER ledger_ledgerentry_no_truncate ON ledger_ledgerentry",
            "the trigger ledger_ledgerentry_no_truncate that refuses TRUNCATE on "
            "ledger_ledgerentry is missing",
        ),
        (
            "CREATE OR REPLACE FUNCTION annexa_ledger_append_only() RETURNS trigger AS "
            "$$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
            "ledger_ledgerentry_append_only on ledger_ledgerentry no longer refuses UPDATE and "
            "DELETE (its events or its function annexa_ledger_append_only() were changed)",
        ),
        (
            "SET session_replication_role = replica",
            "session_replication_role = replica, which skips the ledger's append-only triggers",
        ),
    ],
)
def test_every_way_of_defusing_a_trigger_is_named(ledger, statement, expected):
    _sql(statement)
    try:
        errors = _errors()
    finally:
        _sql("RESET session_replication_role")
    assert any(expected in error for error in errors), errors
