"""Dormant accounts are disabled."""

from __future__ import annotations

from typing import Any, ClassVar

from annexa.monitoring.families import AccountTest


class AccountsDormant(AccountTest):
    """Passes when every enabled account with a last-login date was used within 90 days
    before the day of the export. Fails when an enabled account has not been used for longer.
    Not applicable when the export gives no last-login date for any enabled account."""

    id = "accounts_dormant"
    title = "Dormant accounts are disabled"
    control_ids = ("A.5.18",)
    severity = "medium"
    remediation = (
        "Disable accounts unused for 90 days after checking with their owners; re-enable on "
        "request through the normal access process."
    )
    max_idle_days: ClassVar[int] = 90

    def applies(self, record: dict[str, Any]) -> bool:
        return record.get("account_status") == "enabled" and record.get("last_login") is not None

    def verdict(self, record: dict[str, Any]) -> str:
        idle = self.days_before(record.get("last_login"))
        return self.pass_if(idle is not None and idle <= self.max_idle_days)
