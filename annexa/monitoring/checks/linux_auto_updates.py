"""Security updates are installed automatically (linux connector)."""

from __future__ import annotations

from typing import Any

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.framework import Outcome, failed, not_applicable, passed
from annexa.monitoring.linux import LinuxSectionTest

ENABLED = ("enabled", "enabled-runtime", "static", "alias", "indirect")


class LinuxAutoUpdates(LinuxSectionTest):
    """Passes on Debian and Ubuntu when unattended-upgrades is installed and APT::Periodic::
    Unattended-Upgrade is on (not "0"); on Red Hat-like hosts when dnf-automatic is installed,
    its automatic.conf applies updates (apply_updates = yes) or its install timer is enabled.
    Fails when the tool is missing or switched off. Not applicable when the host uses neither
    dpkg nor rpm; an error when the package database could not be queried."""

    id = "linux_auto_updates"
    title = "Security updates are installed automatically"
    control_ids = ("A.8.8",)
    severity = "medium"
    remediation = (
        "Debian/Ubuntu: apt-get install unattended-upgrades and dpkg-reconfigure -plow "
        "unattended-upgrades. Red Hat: dnf install dnf-automatic and systemctl enable --now "
        "dnf-automatic-install.timer."
    )
    section = "updates"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        manager = section.get("package_manager")
        if manager == "dpkg":
            return self._debian(snapshot, section)
        if manager == "rpm":
            return self._rpm(snapshot, section)
        if "package_manager" in section:
            return not_applicable(f"{snapshot.target} uses neither dpkg nor rpm")
        return self.missing(snapshot, "its package manager")

    def _debian(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        package = section.get("unattended_upgrades") or {}
        if not package.get("readable"):
            return self.unreadable(snapshot, "the package database", package)
        if not package.get("installed"):
            return failed(f"unattended-upgrades is not installed on {snapshot.target}")
        periodic = (section.get("apt_periodic") or {}).get("values") or {}
        value = periodic.get("Unattended-Upgrade", "0")
        if value.strip() in ("", "0"):
            return failed(
                f"unattended-upgrades is installed on {snapshot.target} but switched off "
                f'(APT::Periodic::Unattended-Upgrade "{value}")',
                [snapshot.target],
            )
        return passed(f"{snapshot.target} installs updates with unattended-upgrades")

    def _rpm(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        package = section.get("dnf_automatic") or {}
        if not package.get("readable"):
            return self.unreadable(snapshot, "the package database", package)
        if not package.get("installed"):
            return failed(f"dnf-automatic is not installed on {snapshot.target}")
        applies = ((section.get("automatic_conf") or {}).get("values") or {}).get(
            "apply_updates", "no"
        )
        timers = section.get("timers_enabled") or {}
        if applies.lower() in ("yes", "true", "1") or (
            timers.get("dnf-automatic-install.timer") in ENABLED
        ):
            return passed(f"{snapshot.target} installs updates with dnf-automatic")
        return failed(
            f"dnf-automatic on {snapshot.target} only downloads or reports updates",
            [snapshot.target],
        )
