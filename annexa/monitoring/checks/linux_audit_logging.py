"""The kernel audit daemon runs with rules (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, passed
from annexa.monitoring.linux import LinuxSectionTest


class LinuxAuditLogging(LinuxSectionTest):
    """Passes when auditd is installed and running and at least one audit rule is loaded (or,
    when auditctl needs root, configured in /etc/audit/rules.d). Fails when auditd is not
    installed, not running, or has no rules. An error when the process list or the rules
    could not be read."""

    id = "linux_audit_logging"
    title = "The audit daemon records security events"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = (
        "Install auditd (apt-get install auditd / dnf install audit), enable it, and load "
        "rules for logins, privilege use and changes to accounts and sudoers in "
        "/etc/audit/rules.d/."
    )
    section = "audit"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        auditd = section.get("auditd") or {}
        if "installed" not in auditd:
            return self.missing(snapshot, "whether auditd is installed")
        if not auditd["installed"]:
            return failed(f"auditd is not installed on {snapshot.target}", [snapshot.target])
        running = section.get("running") or {}
        if not running.get("readable"):
            return self.unreadable(snapshot, "the process list", running)
        if not running.get("auditd"):
            return failed(f"auditd is not running on {snapshot.target}", [snapshot.target])
        rules = auditd.get("rules")
        if not isinstance(rules, int):
            return self.unreadable(
                snapshot, "the audit rules", {"error": auditd.get("rules_error")}
            )
        if rules == 0:
            return failed(f"auditd on {snapshot.target} has no rules", [snapshot.target])
        return passed(f"auditd runs on {snapshot.target} with {rules} rule(s)")
