"""Every enabled account belongs to a named person."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AccountTest


class AccountsOwnerAssigned(AccountTest):
    """Passes when every enabled account names the person accountable for it. Fails when an
    enabled account has no person (a shared or orphaned account). Not applicable when the
    export lists no enabled account."""

    id = "accounts_owner_assigned"
    title = "Every enabled account belongs to a named person"
    control_ids = ("A.5.16",)
    severity = "medium"
    remediation = (
        "Assign each listed account to a person who answers for its use, or disable it; "
        "shared accounts need a named owner and a reason."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        return record.get("account_status") == "enabled"

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(bool(record.get("person")))
