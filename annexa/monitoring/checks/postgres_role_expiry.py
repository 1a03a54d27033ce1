"""No PostgreSQL login role outlived its validity date."""

from __future__ import annotations

import datetime as dt

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome


class PostgresRoleExpiry(PostgresTest):
    """Passes when no role that can log in has a ``VALID UNTIL`` date before the day the
    evidence speaks for: an expired role still defined is an access right nobody removed.
    Roles without a date, or with ``infinity``, pass. Fails naming the expired login roles.
    Not applicable when no role can log in. Errors when the snapshot holds no roles."""

    id = "postgres_role_expiry"
    title = "PostgreSQL has no expired login roles left behind"
    control_ids = ("A.5.18",)
    severity = "low"
    remediation = (
        "Drop the listed roles (REASSIGN OWNED, DROP OWNED, DROP ROLE) or make them NOLOGIN; "
        "if the access is still needed, review it and extend VALID UNTIL."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        logins = facts.login_roles(snapshot)
        if logins is None:
            return self.missing(snapshot, "which roles it has")
        return self.each(
            logins,
            self._expired,
            lambda a: f"{a.get('name')} (valid until {str(a.get('valid_until'))[:10]})",
            noun="login roles",
            where=snapshot.target,
        )

    def _expired(self, account: dict) -> bool:
        until = account.get("valid_until")
        if not isinstance(until, str) or until == "infinity":
            return False
        try:
            return dt.date.fromisoformat(until[:10]) < self.as_of
        except ValueError:
            return False
