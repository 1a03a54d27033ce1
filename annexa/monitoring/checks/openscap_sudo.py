"""sudo requires authentication and is logged."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapSudo(OpenScapRuleTest):
    """Passes when every evaluated ``sudo_*`` and ``sudoers_*`` rule passed. Fails when any
    failed. Not applicable when none was evaluated."""

    id = "openscap_sudo"
    title = "sudo requires authentication and is logged"
    control_ids = ("A.8.2", "A.8.18")
    severity = "high"
    rules = r"(sudo_.+|sudoers_.+|disallow_bypass_password_sudo)"
    remediation = (
        "Remove NOPASSWD and !authenticate from sudoers, require a TTY and log sudo use, as the "
        "failing rules describe."
    )
