"""Enabled accounts use multi-factor authentication."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import AccountTest


class AccountsMfaEnabled(AccountTest):
    """Passes when every enabled account whose MFA state the export gives has MFA on. Fails
    when an enabled account has MFA off. Not applicable when the export gives no MFA state
    for any enabled account."""

    id = "accounts_mfa_enabled"
    title = "Enabled accounts use multi-factor authentication"
    control_ids = ("A.8.5",)
    severity = "high"
    remediation = (
        "Enrol the listed accounts in MFA, or enforce MFA for the whole system through its "
        "identity provider."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        return record.get("account_status") == "enabled" and record.get("mfa") is not None

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(bool(record.get("mfa")))
