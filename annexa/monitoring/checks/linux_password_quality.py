"""New passwords are checked for length and quality (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.connectors.linux.parsers import module_args
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest, pam_entries

PASSWORD_STACKS = (
    "/etc/pam.d/common-password",
    "/etc/pam.d/password-auth",
    "/etc/pam.d/system-auth",
)
QUALITY_MODULES = ("pam_pwquality.so", "pam_cracklib.so", "pam_passwdqc.so")
MIN_LENGTH = 12
DEFAULT_MINLEN = 8  # pam_pwquality's and pam_cracklib's built-in minimum


class LinuxPasswordQuality(LinuxSectionTest):
    """Passes when the PAM password stack (common-password on Debian, system-auth or
    password-auth on Red Hat) runs pam_pwquality, pam_cracklib or pam_passwdqc and new
    passwords must be at least 12 characters (minlen from the module's arguments or
    pwquality.conf). Fails when no quality module is in the stack or the minimum is lower. An
    error when none of those PAM files could be read."""

    id = "linux_password_quality"
    title = "New local passwords must be long and checked for quality"
    control_ids = ("A.5.17",)
    severity = "medium"
    remediation = (
        "Install libpam-pwquality (Debian) or use pam_pwquality (Red Hat) in the password "
        "stack, and set minlen = 12 or more in /etc/security/pwquality.conf."
    )
    section = "login"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        entries = pam_entries(section, PASSWORD_STACKS, "password")
        if entries is None:
            return self.unreadable(snapshot, "the PAM password stack", None)
        modules = [e for e in entries if e.get("module") in QUALITY_MODULES]
        if not modules:
            return failed(
                f"no password quality module is in the PAM password stack of {snapshot.target}",
                [snapshot.target],
            )
        pwquality = (section.get("pwquality") or {}).get("values") or {}
        lengths = []
        for entry in modules:
            args = module_args(entry.get("args", []))
            if entry["module"] == "pam_passwdqc.so":
                # min=N0,N1,N2,N3,N4: the last number is the minimum for the strongest class.
                values = str(args.get("min", "disabled,24,11,8,7")).split(",")
                lengths.append(min((int(v) for v in values if v.isdigit()), default=0))
                continue
            length = args.get("minlen", pwquality.get("minlen", DEFAULT_MINLEN))
            lengths.append(length if isinstance(length, int) else 0)
        shortest = min(lengths)
        if shortest < MIN_LENGTH:
            return failed(
                f"new passwords on {snapshot.target} may be {shortest} characters long "
                f"(at least {MIN_LENGTH} expected)",
                [f"minlen={shortest}"],
            )
        return passed(
            f"new passwords on {snapshot.target} are checked and need {shortest}+ characters"
        )
