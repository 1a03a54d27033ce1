"""PostgreSQL encrypts every connection from the network."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed

# Authentication that only works over TLS: such a rule cannot admit a plain-text client.
TLS_ONLY_METHODS = frozenset({"cert"})


class PostgresTlsRequired(PostgresTest):
    """Passes when the server has TLS switched on (``ssl = on``) and no pg_hba.conf rule lets a
    client from another machine log in without it: every network rule that does not reject is
    of type ``hostssl`` (or uses certificate authentication, which needs TLS). Rules for
    loopback addresses and Unix sockets are not judged. Fails when TLS is off, or names the
    ``host``/``hostnossl`` rules that admit plain-text logins. Errors when the snapshot lacks
    the ``ssl`` setting or the rules (reading pg_hba.conf needs a superuser)."""

    id = "postgres_tls_required"
    title = "PostgreSQL requires TLS for network connections"
    control_ids = ("A.8.24",)
    severity = "high"
    remediation = (
        "Install a certificate and set ssl = on, then change the pg_hba.conf rules for remote "
        "clients from host to hostssl (keep host only for loopback addresses) and reload."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        ssl = facts.switch(facts.setting(snapshot, "ssl"))
        if ssl is None:
            return self.missing(snapshot, "whether TLS (ssl) is on")
        rules = facts.hba_rules(snapshot)
        if rules is None:
            return self.missing(snapshot, "its pg_hba.conf rules")
        if not ssl:
            return failed(
                f"TLS is switched off on {snapshot.target} (ssl = off)", [snapshot.target]
            )
        plain = [
            facts.describe_rule(rule)
            for rule in facts.network_rules(rules)
            if rule.get("type") in facts.PLAIN_TYPES
            and rule.get("auth_method") not in TLS_ONLY_METHODS
        ]
        if plain:
            return failed(
                f"{len(plain)} pg_hba.conf rule(s) on {snapshot.target} admit network clients "
                f"without TLS: {'; '.join(plain[:5])}",
                plain,
                len(rules),
            )
        return passed(
            f"TLS is on and every network rule on {snapshot.target} requires it", len(rules)
        )
