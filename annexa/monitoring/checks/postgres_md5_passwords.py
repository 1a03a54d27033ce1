"""No PostgreSQL role keeps an MD5 password hash."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome


class PostgresMd5Passwords(PostgresTest):
    """Passes when every role that has a password stores it as a SCRAM-SHA-256 verifier.
    Fails naming the roles whose stored password is an MD5 hash (or plain text). Not applicable
    when no role has a password. Errors when the snapshot does not say how passwords are
    stored (reading that needs a superuser)."""

    id = "postgres_md5_passwords"
    title = "PostgreSQL roles have no MD5 password hashes"
    control_ids = ("A.5.17", "A.8.5")
    severity = "high"
    remediation = (
        "With password_encryption = 'scram-sha-256', set each listed role's password again "
        "(ALTER ROLE … PASSWORD …), then use scram-sha-256 instead of md5 in pg_hba.conf."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        accounts = facts.accounts(snapshot)
        if accounts is None or not facts.passwords_known(snapshot):
            return self.missing(snapshot, "how its roles' passwords are stored")
        return self.each(
            [a for a in accounts if a.get("password")],
            lambda a: a.get("password") != "scram-sha-256",
            lambda a: f"{a.get('name')} ({a.get('password')})",
            noun="roles with a password",
            where=snapshot.target,
            empty=f"no role on {snapshot.target} has a password",
        )
