"""PostgreSQL records changes to the database structure."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed

LOGGED = ("ddl", "mod", "all")


class PostgresStatementLogging(PostgresTest):
    """Passes when ``log_statement`` is ``ddl``, ``mod`` or ``all`` (schema changes reach the
    log), or when pgaudit is preloaded with a ``pgaudit.log`` class other than ``none``.
    Fails when neither records statements. Errors when the snapshot lacks ``log_statement``
    or ``shared_preload_libraries``."""

    id = "postgres_statement_logging"
    title = "PostgreSQL logs schema changes (log_statement or pgaudit)"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = (
        "Set log_statement = 'ddl' (or 'mod'), or preload pgaudit "
        "(shared_preload_libraries = 'pgaudit') with pgaudit.log = 'ddl, role', and reload."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        statement = facts.setting(snapshot, "log_statement")
        preload = facts.setting(snapshot, "shared_preload_libraries")
        if statement is None or preload is None:
            return self.missing(snapshot, "its log_statement and shared_preload_libraries")
        libraries = {part.strip().strip('"').lower() for part in preload.split(",")}
        audit = (facts.setting(snapshot, "pgaudit.log") or "none").strip().lower()
        if "pgaudit" in libraries and audit not in ("none", ""):
            return passed(f"pgaudit records {audit} statements on {snapshot.target}")
        if statement.lower() in LOGGED:
            return passed(f"{snapshot.target} logs {statement} statements")
        return failed(
            f"{snapshot.target} logs no statements (log_statement = {statement}, no pgaudit)",
            [f"log_statement={statement}"],
        )
