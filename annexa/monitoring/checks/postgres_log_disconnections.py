"""PostgreSQL logs the end of every session."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed


class PostgresLogDisconnections(PostgresTest):
    """Passes when ``log_disconnections`` is on, so the log shows when each session ended and
    how long it lasted. Fails when it is off. Errors when the snapshot lacks the setting."""

    id = "postgres_log_disconnections"
    title = "PostgreSQL logs disconnections"
    control_ids = ("A.8.15",)
    severity = "low"
    remediation = "Set log_disconnections = on in postgresql.conf (or ALTER SYSTEM) and reload."

    def judge(self, snapshot: Snapshot) -> Outcome:
        value = facts.setting(snapshot, "log_disconnections")
        on = facts.switch(value)
        if on is None:
            return self.missing(snapshot, "its log_disconnections setting")
        if on:
            return passed(f"{snapshot.target} logs the end of each session")
        return failed(
            f"{snapshot.target} does not log disconnections (log_disconnections = {value})",
            [f"log_disconnections={value}"],
        )
