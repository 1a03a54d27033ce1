"""PostgreSQL hashes new passwords with SCRAM-SHA-256."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed


class PostgresPasswordEncryption(PostgresTest):
    """Passes when ``password_encryption`` is ``scram-sha-256``, so passwords set from now on
    are stored as salted SCRAM verifiers. Fails for ``md5`` (an unsalted-per-server MD5 hash
    that can be replayed) or any other value. Errors when the snapshot lacks the setting."""

    id = "postgres_password_encryption"
    title = "PostgreSQL stores passwords as SCRAM-SHA-256"
    control_ids = ("A.8.5", "A.5.17")
    severity = "high"
    remediation = (
        "Set password_encryption = 'scram-sha-256' and reload; then have every role set its "
        "password again so the stored hash is replaced."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        value = facts.setting(snapshot, "password_encryption")
        if value is None:
            return self.missing(snapshot, "its password_encryption setting")
        if value.lower() == "scram-sha-256":
            return passed(f"{snapshot.target} hashes new passwords with SCRAM-SHA-256")
        return failed(
            f"{snapshot.target} hashes new passwords with {value}, not SCRAM-SHA-256",
            [f"password_encryption={value}"],
        )
