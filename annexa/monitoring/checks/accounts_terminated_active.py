"""Accounts of people who left are disabled."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AccountTest


class AccountsTerminatedActive(AccountTest):
    """Passes when every account of a person marked as terminated (or with a termination date
    on or before the day of the export) is disabled or locked. Fails when such an account is
    still enabled. Not applicable when the export lists no account of a terminated person."""

    id = "accounts_terminated_active"
    title = "Accounts of people who left are disabled"
    control_ids = ("A.5.18", "A.8.2")
    severity = "high"
    remediation = (
        "Disable the listed accounts now, and make disabling accounts part of the leaver "
        "process with a deadline (for example the last working day)."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        left = record.get("terminated_on")
        return record.get("person_status") == "terminated" or (
            left is not None and left <= self.as_of
        )

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(record.get("account_status") != "enabled")
