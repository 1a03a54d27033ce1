"""PostgreSQL listens only on the interfaces it serves."""

from __future__ import annotations

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.postgres import facts
from annexa.monitoring.families import PostgresTest
from annexa.monitoring.framework import Outcome, failed, passed

WILDCARDS = frozenset({"*", "0.0.0.0", "::"})  # noqa: S104 - values we look for  # nosec B104


class PostgresListenAddresses(PostgresTest):
    """Passes when ``listen_addresses`` names specific addresses or host names (or is empty:
    Unix sockets only). Fails when it holds a wildcard (``*``, ``0.0.0.0`` or ``::``), which
    opens the port on every network interface, including ones added later. Errors when the
    snapshot lacks the setting (it needs a superuser or pg_read_all_settings)."""

    id = "postgres_listen_addresses"
    title = "PostgreSQL does not listen on every interface"
    control_ids = ("A.8.20",)
    severity = "medium"
    remediation = (
        "Set listen_addresses to the addresses clients use (e.g. 'localhost, 10.0.4.12'), "
        "restart, and keep a firewall rule that admits only the application hosts."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        value = facts.setting(snapshot, "listen_addresses")
        if value is None:
            return self.missing(snapshot, "its listen_addresses setting")
        addresses = [part.strip() for part in value.split(",") if part.strip()]
        wild = [a for a in addresses if a in WILDCARDS]
        if wild:
            return failed(
                f"{snapshot.target} listens on every interface (listen_addresses = {value})",
                [f"listen_addresses={value}"],
            )
        shown = ", ".join(addresses) or "Unix sockets only"
        return passed(f"{snapshot.target} listens on {shown}")
