"""PostgreSQL keeps connection slots for administrators and caps connections."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed

# Past this, each backend's memory makes the server fragile under load: use a pooler.
MAX_CONNECTIONS = 5000


class PostgresConnectionLimits(PostgresTest):
    """Passes when ``superuser_reserved_connections`` is at least 1 (an administrator can
    still log in when clients exhaust the slots) and ``max_connections`` leaves room for
    ordinary clients without exceeding 5000. Fails naming the setting that does not. Errors
    when the snapshot lacks either setting."""

    id = "postgres_connection_limits"
    title = "PostgreSQL connection limits are set sensibly"
    control_ids = ("A.8.6",)
    severity = "low"
    remediation = (
        "Keep superuser_reserved_connections at 3 or more, size max_connections to what the "
        "server's memory carries (put a connection pooler such as PgBouncer in front beyond "
        "that), and set CONNECTION LIMIT on application roles and databases."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        most = facts.integer(facts.setting(snapshot, "max_connections"))
        reserved = facts.integer(facts.setting(snapshot, "superuser_reserved_connections"))
        if most is None or reserved is None:
            return self.missing(snapshot, "its max_connections and superuser_reserved_connections")
        others = facts.integer(facts.setting(snapshot, "reserved_connections")) or 0
        problems = []
        if reserved < 1:
            problems.append("superuser_reserved_connections=0")
        if most <= reserved + others:
            problems.append(f"max_connections={most} leaves no slot for clients")
        elif most > MAX_CONNECTIONS:
            problems.append(f"max_connections={most} exceeds {MAX_CONNECTIONS}")
        if problems:
            return failed(
                f"connection limits on {snapshot.target}: {'; '.join(problems)}", problems
            )
        return passed(
            f"{snapshot.target} allows {most} connections and keeps {reserved} for superusers"
        )
