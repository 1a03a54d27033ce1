"""Privileged accounts were reviewed in the last 90 days."""

from __future__ import annotations

from typing import Any, ClassVar

from annexa.monitoring.families import AccountTest


class AccountsPrivilegedReview(AccountTest):
    """Passes when every enabled privileged account was reviewed within 90 days before the
    day of the export. Fails when one was never reviewed or longer ago. Not applicable when
    the export marks no enabled account as privileged."""

    id = "accounts_privileged_review"
    title = "Privileged accounts were reviewed in the last 90 days"
    control_ids = ("A.5.18", "A.8.2")
    severity = "high"
    remediation = (
        "Review the listed privileged accounts with their owners, remove rights no longer "
        "needed, and record the review date."
    )
    max_age_days: ClassVar[int] = 90

    def applies(self, record: dict[str, Any]) -> bool:
        return record.get("account_status") == "enabled" and record.get("privileged") is True

    def verdict(self, record: dict[str, Any]) -> str:
        age = self.days_before(record.get("last_reviewed"))
        return self.pass_if(age is not None and age <= self.max_age_days)
