"""Kernel parameters are hardened."""

from __future__ import annotations

from annexa.monitoring.families import OpenScapRuleTest


class OpenScapKernelHardening(OpenScapRuleTest):
    """Passes when every evaluated ``sysctl_*`` and kernel module rule passed. Fails when any
    failed. Not applicable when none was evaluated."""

    id = "openscap_kernel_hardening"
    title = "Kernel parameters are hardened"
    control_ids = ("A.8.9",)
    severity = "medium"
    rules = r"(sysctl_.+|kernel_module_.+_disabled)"
    remediation = (
        "Set the sysctl values and disable the kernel modules the failing rules name, in "
        "/etc/sysctl.d/ and /etc/modprobe.d/."
    )
