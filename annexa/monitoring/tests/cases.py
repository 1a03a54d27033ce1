"""PASS, FAIL and empty-input cases of every control test, as data.

Each case is ``(test id, records that pass, records that fail, status on empty input)``; the
test modules run them, and ``test_checks_complete`` proves every test has its three cases.
"""

from __future__ import annotations

import datetime as dt

from annexa.connectors.formats.lynis import LynisReport, parse_lines
from annexa.connectors.mapping import Finding

AS_OF = dt.date(2025, 6, 30)


def report(*lines: str) -> list[LynisReport]:
    """A Lynis report made of ``key=value`` lines, as the single record of its file."""
    return [parse_lines(["lynis_version=3.0.8", "hostname=web1", *lines])]


def ran(*tests: str) -> str:
    return "tests_executed=" + "|".join(tests) + "|"


EMPTY_REPORT = [LynisReport()]
ERROR, NA = "error", "not_applicable"

LYNIS = [
    (
        "lynis_ssh_root_login",
        report("ssh_daemon_running=1", ran("SSH-7408")),
        report(
            "ssh_daemon_running=1",
            ran("SSH-7408"),
            "suggestion[]=SSH-7408|Consider hardening SSH configuration"
            "|PermitRootLogin (set YES to NO)|-|",
        ),
        ERROR,
    ),
    (
        "lynis_ssh_hardening",
        report("ssh_daemon_running=1", ran("SSH-7408")),
        report(
            "ssh_daemon_running=1",
            ran("SSH-7408"),
            "suggestion[]=SSH-7408|Consider hardening SSH configuration"
            "|MaxAuthTries (set 6 to 3)|-|",
            "suggestion[]=SSH-7408|Consider hardening SSH configuration"
            "|X11Forwarding (set YES to NO)|-|",
        ),
        ERROR,
    ),
    ("lynis_password_aging", report("password_max_days=90"), report("password_max_days=-1"), ERROR),
    (
        "lynis_password_strength",
        report(ran("AUTH-9262")),
        report(
            ran("AUTH-9262"),
            "suggestion[]=AUTH-9262|Install a PAM module for password strength testing|-|-|",
        ),
        ERROR,
    ),
    (
        "lynis_firewall_active",
        report(
            "firewall_active=1",
            "firewall_empty_ruleset=0",
            "firewall_software[]=nftables",
            ran("FIRE-4540"),
        ),
        report("firewall_active=1", "firewall_empty_ruleset=1"),
        ERROR,
    ),
    (
        "lynis_malware_scanner",
        report("malware_scanner_installed=1"),
        report("malware_scanner_installed=0"),
        ERROR,
    ),
    (
        "lynis_audit_daemon",
        report("linux_auditd_running=1"),
        report("linux_auditd_running=0"),
        ERROR,
    ),
    (
        "lynis_time_sync",
        report("ntp_daemon_running=0", "ntp_config_type_daemon=1"),
        report("ntp_daemon_running=0", "ntp_config_type_daemon=0"),
        ERROR,
    ),
    (
        "lynis_vulnerable_packages",
        report("vulnerable_packages_found=0"),
        report("vulnerable_packages_found=1", "vulnerable_package[]=openssl"),
        ERROR,
    ),
    (
        "lynis_automatic_updates",
        report(ran("PKGS-7420")),
        report(
            ran("PKGS-7420"),
            "suggestion[]=PKGS-7420|Consider using a tool to automatically apply upgrades|-|-|",
        ),
        NA,
    ),
    (
        "lynis_file_integrity",
        report(ran("FINT-4350")),
        report(ran("FINT-4350"), "suggestion[]=FINT-4350|Install a file integrity tool|-|-|"),
        ERROR,
    ),
    ("lynis_hardening_index", report("hardening_index=74"), report("hardening_index=56"), ERROR),
    (
        "lynis_log_rotation",
        report("log_rotation_config_found=1", "log_rotation_tool=logrotate"),
        report("log_rotation_config_found=0"),
        ERROR,
    ),
    (
        "lynis_syslog_running",
        report(ran("LOGG-2130", "LOGG-2138")),
        report(
            ran("LOGG-2130", "LOGG-2138"),
            "warning[]=LOGG-2138|klogd is not running, which could lead to missing kernel"
            " messages|-|-|",
        ),
        ERROR,
    ),
    (
        "lynis_login_banner",
        report(ran("BANN-7126", "BANN-7130")),
        report(
            ran("BANN-7126"),
            "suggestion[]=BANN-7126|Add a legal banner to /etc/issue|-|-|",
            "weak_banner_file[]=/etc/issue",
        ),
        NA,
    ),
    (
        "lynis_usb_storage",
        report(ran("USB-1000")),
        report(
            ran("USB-1000"),
            "suggestion[]=USB-1000|Disable drivers like USB storage when not used|-|-|",
        ),
        NA,
    ),
    (
        "lynis_installed_packages_inventory",
        report("installed_packages_array=|adduser,3.134|bash,5.2.15|"),
        report("installed_packages=0"),
        ERROR,
    ),
    (
        "lynis_kernel_hardening",
        report(ran("KRNL-6000")),
        report(
            ran("KRNL-6000"),
            "details[]=KRNL-6000|sysctl|desc:Restrict access to kernel symbols;"
            "field:kernel.kptr_restrict;prefval:2;value:0;|",
        ),
        ERROR,
    ),
    (
        "lynis_session_timeout",
        report("session_timeout_enabled=1"),
        report("session_timeout_enabled=0"),
        ERROR,
    ),
]


def rule(rule_id: str, status: str, tool: str = "openscap", topic: str = "") -> Finding:
    return Finding(
        tool=tool,
        rule=rule_id,
        title=rule_id,
        status=status,
        severity="medium",
        resource="web1",
        controls=(),
        topic=topic,
    )


def scap(matching: str, other: str) -> tuple[list, list]:
    """Pass: a matching rule passes, another applies not; fail: the matching rule fails.
    ``other`` (a rule outside the family) fails in both, to prove it is not judged."""
    passing = [rule(matching, "pass"), rule(matching, "not_applicable"), rule(other, "fail")]
    failing = [rule(matching, "pass"), rule(matching, "fail")]
    return passing, failing


OPENSCAP = [
    (
        "openscap_file_permissions",
        *scap("file_permissions_etc_shadow", "sshd_disable_root_login"),
        NA,
    ),
    ("openscap_audit_logging", *scap("service_auditd_enabled", "partition_for_home"), NA),
    ("openscap_ssh_configuration", *scap("sshd_disable_root_login", "partition_for_tmp"), NA),
    ("openscap_insecure_services", *scap("package_telnetd_removed", "sshd_set_idle_timeout"), NA),
    ("openscap_time_sync", *scap("service_chronyd_enabled", "partition_for_var"), NA),
    (
        "openscap_password_policy",
        *scap("accounts_password_minlen_login_defs", "sysctl_kernel_dmesg_restrict"),
        NA,
    ),
    (
        "openscap_kernel_hardening",
        *scap("sysctl_kernel_randomize_va_space", "package_nis_removed"),
        NA,
    ),
    ("openscap_partitioning", *scap("partition_for_var_log", "sudo_require_authentication"), NA),
    ("openscap_privileged_accounts", *scap("no_direct_root_logins", "aide_build_database"), NA),
    ("openscap_sudo", *scap("sudo_require_authentication", "service_ntp_enabled"), NA),
    ("openscap_file_integrity", *scap("aide_build_database", "sshd_allow_only_protocol2"), NA),
    (
        "openscap_profile_compliance",
        [rule("a", "pass"), rule("b", "not_applicable")],
        [rule("a", "pass"), rule("b", "fail")],
        NA,
    ),
]


def topic_case(topic: str) -> tuple[str, list, list, str]:
    other = "logging" if topic != "logging" else "backup"
    passing = [
        rule("c1", "pass", "ocsf", topic),
        rule("c2", "not_applicable", "ocsf", topic),
        rule("c3", "fail", "ocsf", other),
    ]
    failing = [rule("c1", "pass", "ocsf", topic), rule("c4", "fail", "ocsf", topic)]
    return (f"ocsf_{topic}", passing, failing, NA)


OCSF = [
    topic_case(topic)
    for topic in (
        "mfa",
        "encryption_at_rest",
        "encryption_in_transit",
        "logging",
        "public_exposure",
        "password_policy",
        "stale_credentials",
        "root_usage",
        "least_privilege",
        "backup",
        "vulnerability_management",
        "threat_detection",
        "security_contacts",
        "monitoring_alerts",
        "key_management",
    )
]


def account(name: str, **values) -> dict:
    base = {
        "_row": 2,
        "account": name,
        "system": "crm",
        "person": f"{name}@acme.test",
        "person_status": "active",
        "terminated_on": None,
        "account_status": "enabled",
        "mfa": None,
        "privileged": None,
        "last_login": None,
        "last_reviewed": None,
    }
    return base | values


def asset(asset_id: str, **values) -> dict:
    base = {
        "_row": 2,
        "asset_id": asset_id,
        "name": asset_id,
        "type": "laptop",
        "owner": "Ann",
        "classification": None,
        "encrypted": None,
        "status": "in_use",
        "location": None,
    }
    return base | values


def course(person: str, **values) -> dict:
    base = {
        "_row": 2,
        "person": person,
        "course": "Security basics",
        "assigned_on": None,
        "due_on": dt.date(2025, 3, 31),
        "completed_on": None,
        "status": "assigned",
    }
    return base | values


TABULAR = [
    (
        "accounts_terminated_active",
        [account("ann", person_status="terminated", account_status="disabled"), account("bob")],
        [account("ann", terminated_on=dt.date(2025, 5, 1), account_status="enabled")],
        NA,
    ),
    (
        "accounts_mfa_enabled",
        [account("ann", mfa=True), account("bob", account_status="disabled", mfa=False)],
        [account("ann", mfa=True), account("bob", mfa=False)],
        NA,
    ),
    (
        "accounts_owner_assigned",
        [account("ann"), account("svc", person=None, account_status="disabled")],
        [account("svc", person=None)],
        NA,
    ),
    (
        "accounts_privileged_review",
        [account("root", privileged=True, last_reviewed=dt.date(2025, 5, 1)), account("ann")],
        [
            account("root", privileged=True, last_reviewed=dt.date(2024, 11, 1)),
            account("admin", privileged=True),
        ],
        NA,
    ),
    (
        "accounts_dormant",
        [account("ann", last_login=dt.date(2025, 6, 1)), account("bob")],
        [account("ann", last_login=dt.date(2025, 1, 2))],
        NA,
    ),
    (
        "assets_owner_missing",
        [asset("L-1"), asset("L-2", owner=None, status="retired")],
        [asset("L-1", owner=None)],
        NA,
    ),
    (
        "assets_classification_missing",
        [asset("S-1", type="server", classification="internal"), asset("L-1")],
        [asset("S-1", type="saas")],
        NA,
    ),
    (
        "assets_endpoint_encryption",
        [asset("L-1", encrypted=True), asset("S-1", type="server", encrypted=False)],
        [asset("L-1", encrypted=True), asset("M-1", type="mobile")],
        NA,
    ),
    (
        "training_completion",
        [
            course("ann@acme.test", status="completed", completed_on=dt.date(2025, 3, 1)),
            course("bob@acme.test", due_on=dt.date(2025, 9, 1)),
            course("cid@acme.test", status="exempt"),
        ],
        [course("ann@acme.test", status="in_progress")],
        NA,
    ),
]

# Imported last: the snapshot case modules may use the helpers above.
from annexa.monitoring.tests import (  # noqa: E402
    cases_aws,
    cases_github,
    cases_identity,
    cases_linux,
    cases_postgres,
)

SNAPSHOTS = [
    *cases_linux.CASES,
    *cases_postgres.CASES,
    *cases_aws.CASES,
    *cases_github.CASES,
    *cases_identity.CASES,
]
ALL = [*LYNIS, *OPENSCAP, *OCSF, *TABULAR, *SNAPSHOTS]
