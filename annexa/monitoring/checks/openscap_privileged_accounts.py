"""Root and system accounts are restricted."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapPrivilegedAccounts(OpenScapRuleTest):
    """Passes when every evaluated rule restricting root and system accounts passed. Fails
    when any failed. Not applicable when none was evaluated."""

    id = "openscap_privileged_accounts"
    title = "Root and system accounts are restricted"
    control_ids = ("A.8.2",)
    severity = "high"
    rules = (
        r"accounts_no_uid_except_zero|accounts_root_gid_zero|no_direct_root_logins"
        r"|securetty_root_login_console_only|restrict_serial_port_logins"
        r"|no_password_auth_for_systemaccounts|account_unique_name|gid_passwd_group_same"
    )
    remediation = (
        "Make sure only root has UID 0, root logs in on the console only, and system accounts "
        "cannot log in with a password."
    )
