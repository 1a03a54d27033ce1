"""PostgreSQL logs every connection."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed


class PostgresLogConnections(PostgresTest):
    """Passes when ``log_connections`` is on (PostgreSQL 18 also accepts a list of aspects:
    any list naming ``authorization``, ``authentication`` or ``all`` passes), so each login
    attempt leaves a line in the server log. Fails when it is off or empty. Errors when the
    snapshot lacks the setting."""

    id = "postgres_log_connections"
    title = "PostgreSQL logs connections"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = "Set log_connections = on in postgresql.conf (or ALTER SYSTEM) and reload."
    setting = "log_connections"

    def judge(self, snapshot: Snapshot) -> Outcome:
        value = facts.setting(snapshot, self.setting)
        if value is None:
            return self.missing(snapshot, f"its {self.setting} setting")
        aspects = {part.strip().lower() for part in value.split(",")}
        on = facts.switch(value) or bool(aspects & {"all", "authentication", "authorization"})
        if on:
            return passed(f"{snapshot.target} logs connections ({self.setting} = {value})")
        return failed(
            f"{snapshot.target} does not log connections ({self.setting} = {value or 'empty'})",
            [f"{self.setting}={value}"],
        )
