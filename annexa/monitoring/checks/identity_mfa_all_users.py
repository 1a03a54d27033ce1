"""Every enabled user of the identity provider has enrolled a second factor."""

from __future__ import annotations

from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, errored, failed, not_applicable, passed


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
        missing = [u.label() for u in users if u.mfa_enrolled is False]
        unknown = [u.label() for u in users if u.mfa_enrolled is None]
        later = f"; the enrolment of {len(unknown)} more is unknown" if unknown else ""
        if missing:
            return failed(
                f"{len(missing)} of {len(users)} enabled users of {identity.where} have no "
                f"second factor: {self.shown(missing)}{later}",
                missing,
                len(users),
            )
        if unknown:
            reason = identity.unreadable.get("factors") or "the provider did not say"
            return errored(
                f"the MFA enrolment of {len(unknown)} of {len(users)} enabled users of "
                f"{identity.where} is unknown ({reason}): {self.shown(unknown)}"
            )
        return passed(
            f"all {len(users)} enabled users of {identity.where} have enrolled a second factor",
            len(users),
        )
