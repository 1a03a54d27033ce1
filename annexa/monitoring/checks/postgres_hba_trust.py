"""PostgreSQL trusts no network client without authentication."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed


class PostgresHbaTrust(PostgresTest):
    """Passes when no pg_hba.conf rule for clients on other machines uses ``trust`` (log in
    as any role without a password). Rules for Unix sockets and loopback addresses are not
    judged: they concern people already on the server. Fails naming the network rules with
    ``trust``. Errors when the rules could not be read (that needs a superuser)."""

    id = "postgres_hba_trust"
    title = "PostgreSQL trusts no network client without authentication"
    control_ids = ("A.8.5",)
    severity = "critical"
    remediation = (
        "Replace trust with scram-sha-256 (or cert) in the listed pg_hba.conf rules, give the "
        "roles passwords, and reload the server."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        rules = facts.hba_rules(snapshot)
        if rules is None:
            return self.missing(snapshot, "its pg_hba.conf rules")
        trusting = [
            facts.describe_rule(rule)
            for rule in facts.network_rules(rules)
            if rule.get("auth_method") == "trust"
        ]
        if trusting:
            return failed(
                f"{len(trusting)} pg_hba.conf rule(s) on {snapshot.target} let network clients "
                f"in without authentication: {'; '.join(trusting[:5])}",
                trusting,
                len(rules),
            )
        return passed(f"no network rule on {snapshot.target} uses trust", len(rules))
