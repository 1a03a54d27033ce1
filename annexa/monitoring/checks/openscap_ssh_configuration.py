"""The SSH server is configured securely."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapSshConfiguration(OpenScapRuleTest):
    """Passes when every evaluated ``sshd_*`` rule passed. Fails when any failed. Not
    applicable when no SSH server rule was evaluated."""

    id = "openscap_ssh_configuration"
    title = "The SSH server is configured securely"
    control_ids = ("A.8.5", "A.8.20")
    severity = "high"
    rules = r"sshd_.+"
    remediation = (
        "Apply the sshd_config settings of the failing rules (root login, empty passwords, "
        "idle timeout, protocol) and restart sshd."
    )
