"""People who have left hold no enabled identity provider account."""

from __future__ import annotations

from annexa.connectors.identity import register
from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, errored, failed, not_applicable, passed


class IdentityLeaversDisabled(IdentityTest):
    """Passes when no enabled (or only locked-out) user of the identity provider belongs to a
    person of the people register whose end date is on or before the day of the snapshot
    (matched by e-mail address, a user name that is one, or employee id). Fails naming the
    accounts of people who left that are still switched on. Errors when the register was not
    available to the evaluation. Not applicable when the provider has no enabled user or the
    register records nobody who has left."""

    id = "identity_leavers_disabled"
    title = "Identity provider accounts of people who left are disabled"
    control_ids = ("A.5.18", "A.6.5")
    severity = "high"
    remediation = (
        "Suspend or deprovision the listed accounts now and sign the person out of every "
        "session; then make HR's leaver notice trigger the deactivation in the identity "
        "provider on the last working day (an HR-driven provisioning flow does it by itself)."
    )

    def judge_identity(self, identity) -> Outcome:
        people = register.current()
        if people is None:
            return errored(
                "the people register was not available when this snapshot was judged, so "
                "leavers cannot be told from staff"
            )
        users = [user for user in identity.users if user.holds_access]
        if not users:
            return not_applicable(f"{identity.where} has no enabled user")
        if not people.has_leavers:
            return not_applicable("the people register records nobody who has left")
        still = []
        for user in users:
            match = people.left(user.addresses, user.employee_id, self.as_of)
            if match is not None:
                name, end = match
                still.append(f"{user.username} ({name}, left {end.isoformat()})")
        if still:
            return failed(
                f"{len(still)} enabled account(s) of {identity.where} belong to people who "
                f"left: {self.shown(still)}",
                still,
                len(users),
            )
        return passed(
            f"none of the {len(users)} enabled users of {identity.where} belongs to a person "
            "who left",
            len(users),
        )
