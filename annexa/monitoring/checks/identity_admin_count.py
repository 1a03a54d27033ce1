"""The identity provider has a few administrators, and at least one."""

from __future__ import annotations

from typing import ClassVar

from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed


class IdentityAdminCount(IdentityTest):
    """Passes when between 1 (``min_admins``) and 5 (``max_admins``) enabled users hold an
    administrator role of the identity provider. Fails naming the administrators when there
    are more, or saying so when no enabled user holds one (nobody could manage the directory
    or the roles are held by disabled accounts only). Errors when the roles could not be read.
    Not applicable when the provider has no enabled user."""

    id = "identity_admin_count"
    title = "Identity provider administrator roles are held by a few people"
    control_ids = ("A.8.2", "A.5.15")
    severity = "medium"
    remediation = (
        "Keep two to five administrators for continuity; give everyone else the narrowest "
        "role that covers their task (help desk, read-only, one application), and review the "
        "holders at each access review."
    )
    min_admins: ClassVar[int] = 1
    max_admins: ClassVar[int] = 5

    def judge_identity(self, identity) -> Outcome:
        refused = self.unreadable(identity, "admin_roles", "who holds administrator roles")
        if refused is not None:
            return refused
        if not identity.enabled_users:
            return not_applicable(f"{identity.where} has no enabled user")
        admins = [f"{u.username} ({', '.join(u.admin_roles)})" for u in identity.enabled_admins]
        if len(admins) < self.min_admins:
            return failed(
                f"no enabled user of {identity.where} holds an administrator role, fewer than "
                f"{self.min_admins}",
                [identity.where],
            )
        if len(admins) > self.max_admins:
            return failed(
                f"{identity.where} has {len(admins)} enabled administrators, more than "
                f"{self.max_admins}: {self.shown(admins)}",
                admins,
                len(admins),
            )
        return passed(
            f"{identity.where} has {len(admins)} enabled administrator(s): {', '.join(admins)}",
            len(admins),
        )
