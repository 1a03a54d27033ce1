"""Repeated failed logins lock the account (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.linux.parsers import module_args
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest, pam_entries

AUTH_STACKS = ("/etc/pam.d/common-auth", "/etc/pam.d/password-auth", "/etc/pam.d/system-auth")
LOCKOUT_MODULES = ("pam_faillock.so", "pam_tally2.so")
MAX_DENY = 10
DEFAULT_DENY = 3  # pam_faillock's built-in limit


class LinuxLoginLockout(LinuxSectionTest):
    """Passes when the PAM authentication stack (common-auth, or system-auth/password-auth)
    runs pam_faillock (or pam_tally2) and locks an account after at most 10 failed attempts
    (deny from the module's arguments or faillock.conf; pam_faillock's default is 3). Fails
    when no lockout module is in the stack or deny is 0 or above 10. An error when none of
    those PAM files could be read."""

    id = "linux_login_lockout"
    title = "Failed logins lock the account"
    control_ids = ("A.8.5",)
    severity = "medium"
    remediation = (
        "Add pam_faillock to the authentication stack (pam-auth-update on Debian, authselect "
        "enable-feature with-faillock on Red Hat) and set deny = 5 and unlock_time in "
        "/etc/security/faillock.conf."
    )
    section = "login"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        entries = pam_entries(section, AUTH_STACKS, "auth")
        if entries is None:
            return self.unreadable(snapshot, "the PAM authentication stack", None)
        modules = [e for e in entries if e.get("module") in LOCKOUT_MODULES]
        if not modules:
            return failed(
                f"failed logins on {snapshot.target} never lock an account (no pam_faillock)",
                [snapshot.target],
            )
        faillock = (section.get("faillock") or {}).get("values") or {}
        denies = []
        for entry in modules:
            args = module_args(entry.get("args", []))
            deny = args.get("deny", faillock.get("deny", DEFAULT_DENY))
            denies.append(deny if isinstance(deny, int) else 0)
        deny = max(denies)
        if min(denies) <= 0 or deny > MAX_DENY:
            return failed(
                f"accounts on {snapshot.target} are not locked after {MAX_DENY} failures "
                f"(deny={deny if min(denies) > 0 else 0})",
                [f"deny={deny}"],
            )
        return passed(f"accounts on {snapshot.target} lock after {deny} failed logins")
