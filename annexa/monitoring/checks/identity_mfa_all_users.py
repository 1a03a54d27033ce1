"""Every enabled user of the identity provider has enrolled a second factor."""

from __future__ import annotations

from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, not_applicable


class IdentityMfaAllUsers(IdentityTest):
    """Passes when every enabled user of the identity provider has enrolled at least one second
    factor (e-mail and the password do not count). Fails naming the enabled users without one,
    even when others could not be read. Errors when the enrolment of some enabled users is
    unknown (the connector's account may not read factors) and none is known to lack one. Not
    applicable when the provider has no enabled user."""

    id = "identity_mfa_all_users"
    title = "Every identity provider user has enrolled multi-factor authentication"
    control_ids = ("A.8.5", "A.5.17")
    severity = "high"
    remediation = (
        "Have the listed users enrol a second factor (an authenticator app, a security key or "
        "a platform authenticator), then make the provider's enrolment policy require one for "
        "everybody, so new accounts cannot stay without it."
    )

    def judge_identity(self, identity) -> Outcome:
        users = identity.enabled_users
        if not users:
            return not_applicable(f"{identity.where} has no enabled user")
        return self.enrolment(identity, users, "enabled users")
