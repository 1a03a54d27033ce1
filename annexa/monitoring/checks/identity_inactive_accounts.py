"""No enabled identity provider account goes unused for long."""

from __future__ import annotations

from typing import ClassVar

from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class IdentityInactiveAccounts(IdentityTest):
    """Passes when every enabled user of the identity provider signed in within the last 90
    days (``max_idle_days``) before the day of the snapshot. Fails naming the enabled users
    whose last sign-in is older, and those who never signed in although their account was
    created longer ago than that. An error, not a verdict, when the provider's sign-in times
    could not be read (an Entra ID tenant without P1/P2 hides them: counting from creation dates
    would fail every older account). Not applicable when no enabled user has a sign-in or
    creation time to count from (or there is no enabled user)."""

    id = "identity_inactive_accounts"
    title = "Identity provider accounts unused for more than 90 days are disabled"
    control_ids = ("A.5.18", "A.8.2")
    severity = "medium"
    remediation = (
        "Ask the owners (or managers) of the listed accounts whether they are still needed; "
        "suspend those that are not, and add an inactivity rule to the provider so unused "
        "accounts are suspended automatically."
    )
    max_idle_days: ClassVar[int] = 90

    def judge_identity(self, identity) -> Outcome:
        if not identity.enabled_users:
            return not_applicable(f"{identity.where} has no enabled user")
        refused = self.unreadable(identity, "last_sign_in", "when users last signed in")
        if refused is not None:
            return refused
        now = self.now()
        counted = [
            (user, idle)
            for user in identity.enabled_users
            if (idle := user.days_without_sign_in(now)) is not None
        ]
        if not counted:
            return not_applicable(
                f"{identity.where} gives no sign-in or creation time of an enabled user"
            )
        idle = [
            f"{user.label()}: "
            + (
                f"no sign-in for {days} days"
                if user.last_sign_in
                else f"never signed in, {days} days after creation"
            )
            for user, days in counted
            if days > self.max_idle_days
        ]
        if idle:
            return failed(
                f"{len(idle)} of {len(counted)} enabled users of {identity.where} have not "
                f"signed in for more than {self.max_idle_days} days: {self.shown(idle)}",
                idle,
                len(counted),
            )
        return passed(
            f"all {len(counted)} enabled users of {identity.where} signed in within "
            f"{self.max_idle_days} days",
            len(counted),
        )
