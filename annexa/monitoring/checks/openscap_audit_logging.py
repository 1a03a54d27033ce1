"""Audit and system logging are configured."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapAuditLogging(OpenScapRuleTest):
    """Passes when every evaluated rule on auditd, audit rules, rsyslog, journald and log
    rotation passed. Fails when any failed. Not applicable when none was evaluated (for example
    in a container)."""

    id = "openscap_audit_logging"
    title = "Audit and system logging are configured"
    control_ids = ("A.8.15",)
    severity = "medium"
    rules = (
        r"package_audit_installed|service_auditd_enabled|audit_rules_.+|auditd_.+"
        r"|package_rsyslog_installed|service_rsyslog_enabled|rsyslog_.+"
        r"|ensure_logrotate_activated|journald_.+"
    )
    remediation = (
        "Install and enable auditd and rsyslog (or journald) as the failing rules describe, "
        "and keep the logs on their own partition."
    )
