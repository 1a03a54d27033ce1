"""Local password rules are enforced."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapPasswordPolicy(OpenScapRuleTest):
    """Passes when every evaluated rule on password length, age, quality and empty passwords
    passed. Fails when any failed. Not applicable when none was evaluated."""

    id = "openscap_password_policy"
    title = "Local password rules are enforced"
    control_ids = ("A.5.17",)
    severity = "medium"
    rules = r"(accounts_(password|passwords|maximum_age|minimum_age)_.+|no_empty_passwords.*)"
    remediation = (
        "Set the password length, age and quality settings in /etc/login.defs and PAM as the "
        "failing rules describe."
    )
