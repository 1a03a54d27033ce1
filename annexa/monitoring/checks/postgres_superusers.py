"""Only the bootstrap role is a PostgreSQL superuser that can log in."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome

# The role initdb creates; every other login superuser needs a reason.
EXPECTED = frozenset({"postgres"})


class PostgresSuperusers(PostgresTest):
    """Passes when the only superuser that can log in is the bootstrap role ``postgres``.
    Fails naming every other role with both SUPERUSER and LOGIN (people and applications
    should use roles with just the rights they need). Errors when the snapshot holds no
    roles."""

    id = "postgres_superusers"
    title = "PostgreSQL login superusers are limited to the bootstrap role"
    control_ids = ("A.8.2",)
    severity = "high"
    remediation = (
        "Give each listed role the privileges it needs (ownership, GRANTs, predefined roles "
        "such as pg_monitor) and remove SUPERUSER, or make it NOLOGIN."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        logins = facts.login_roles(snapshot)
        if logins is None:
            return self.missing(snapshot, "which roles it has")
        return self.each(
            logins,
            lambda a: bool(a.get("superuser")) and a.get("name") not in EXPECTED,
            lambda a: str(a.get("name")),
            noun="login roles",
            where=snapshot.target,
        )
