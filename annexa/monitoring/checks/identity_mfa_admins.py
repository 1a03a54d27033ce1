"""Every enabled administrator of the identity provider has enrolled a second factor."""

from __future__ import annotations

from annexa.monitoring.families import IdentityTest
from annexa.monitoring.framework import Outcome, not_applicable


class IdentityMfaAdmins(IdentityTest):
    """Passes when every enabled user holding an administrator role of the identity provider
    has enrolled at least one second factor. Fails naming the administrators without one.
    Errors when the administrator roles could not be read, or when an administrator's
    enrolment is unknown and none is known to lack one. Not applicable when no enabled user
    holds an administrator role."""

    id = "identity_mfa_admins"
    title = "Identity provider administrators have enrolled multi-factor authentication"
    control_ids = ("A.8.2", "A.8.5")
    severity = "critical"
    remediation = (
        "Have the listed administrators enrol a phishing-resistant second factor (a security "
        "key or a platform authenticator) today, and require it for every administrator role "
        "in the provider's enrolment and sign-in policies."
    )

    def judge_identity(self, identity) -> Outcome:
        refused = self.unreadable(identity, "admin_roles", "who holds administrator roles")
        if refused is not None:
            return refused
        admins = identity.enabled_admins
        if not admins:
            return not_applicable(f"no enabled user of {identity.where} holds an admin role")
        return self.enrolment(identity, admins, "administrators")
