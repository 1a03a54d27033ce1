"""The PostgreSQL major version still receives security fixes."""

from __future__ import annotations

import datetime as dt

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed

# Last release of each major version (PostgreSQL's versioning policy: five years of fixes),
# as published on postgresql.org/support/versioning. Reviewed 2025-06; add new majors here.
END_OF_LIFE = {
    9: dt.date(2021, 11, 11),  # 9.6, the last 9.x (snapshots record 9.x as major 9)
    10: dt.date(2022, 11, 10),
    11: dt.date(2023, 11, 9),
    12: dt.date(2024, 11, 21),
    13: dt.date(2025, 11, 13),
    14: dt.date(2026, 11, 12),
    15: dt.date(2027, 11, 11),
    16: dt.date(2028, 11, 9),
    17: dt.date(2029, 11, 8),
    18: dt.date(2030, 11, 14),
}


class PostgresVersionSupported(PostgresTest):
    """Passes when the server's major version is still supported on the day the evidence
    speaks for (its end-of-life date in the table of this module lies ahead). Fails when the
    date has passed, or for a major version older than the table knows. Not applicable for a
    major version newer than the table (update Annexa). Errors when the snapshot lacks the
    version."""

    id = "postgres_version_supported"
    title = "PostgreSQL runs a supported major version"
    control_ids = ("A.8.8",)
    severity = "high"
    remediation = (
        "Plan an upgrade to a supported major version (pg_upgrade or logical replication) "
        "before the end-of-life date; keep applying minor releases until then."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        major = snapshot.get("server.major")
        version = snapshot.get("server.version") or major
        if not isinstance(major, int):
            return self.missing(snapshot, "its version")
        if major > max(END_OF_LIFE):
            return not_applicable(
                f"PostgreSQL {version} is newer than Annexa's table of supported versions"
            )
        end = END_OF_LIFE.get(major)
        if end is None or end < self.as_of:
            since = f"since {end.isoformat()}" if end else "long ago"
            return failed(
                f"PostgreSQL {version} on {snapshot.target} is out of support ({since})",
                [f"{snapshot.target}: PostgreSQL {version}"],
            )
        return passed(
            f"PostgreSQL {version} on {snapshot.target} is supported until {end.isoformat()}"
        )
