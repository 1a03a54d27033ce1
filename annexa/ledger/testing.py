"""Pytest plugin: let the test runner empty the append-only ledger tables between tests.

On PostgreSQL the ledger tables refuse TRUNCATE (migration 0002). Transactional tests end with a
flush that truncates every table, so the flush statements are wrapped in DISABLE/ENABLE TRIGGER,
which only the tables' owner may run: the test database's owner here, never the application
role in a hardened deployment. Loaded from conftest.py; nothing in production imports it.
"""

from __future__ import annotations


def _wrap_flush() -> None:
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "annexa_ledger", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        from annexa.ledger.guards import TABLES

        guarded = [self.quote_name(t) for t in tables if t in TABLES]
        if not statements or not guarded:
            return statements
        disable = [f"ALTER TABLE {t} DISABLE TRIGGER USER;" for t in guarded]
        enable = [f"ALTER TABLE {t} ENABLE TRIGGER USER;" for t in guarded]
        return [*disable, *statements, *enable]

    sql_flush.annexa_ledger = True
    DatabaseOperations.sql_flush = sql_flush


def pytest_configure(config) -> None:
    _wrap_flush()
