"""Insecure network services are removed."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapInsecureServices(OpenScapRuleTest):
    """Passes when every evaluated rule requiring a legacy or insecure package to be removed
    or a service disabled passed. Fails when any failed. Not applicable when none was
    evaluated."""

    id = "openscap_insecure_services"
    title = "Insecure network services are removed"
    control_ids = ("A.8.19", "A.8.20")
    severity = "high"
    rules = r"(package_.+_removed|service_.+_disabled)"
    remediation = (
        "Remove the packages and disable the services the failing rules name (telnet, NIS, "
        "rsh, tftp …)."
    )
