"""The shared base of the ``linux_*`` control tests (not a test itself).

A Linux snapshot holds sections (``login``, ``sshd``, ``firewall`` …; see
``connectors.linux.collect``). A test names the section it judges; ``judge`` sorts out the
common cases first — a snapshot with no data is an error, a section the connector was told
not to read is not applicable, a section that is absent is an error — and hands the section
to ``check``.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import LinuxTest
from annexa.monitoring.framework import Outcome, errored, not_applicable

SECTION_WORDS = {
    "accounts": "its local accounts",
    "audit": "its audit logging",
    "firewall": "its firewall",
    "login": "its password and login policy",
    "sshd": "its SSH daemon settings",
    "time": "its time synchronisation",
    "updates": "its automatic updates",
}


class LinuxSectionTest(LinuxTest, abc.ABC):
    section: ClassVar[str]

    def judge(self, snapshot: Snapshot) -> Outcome:
        words = SECTION_WORDS[self.section]
        if not snapshot.data:
            return self.missing(snapshot, words)
        chosen = snapshot.get("sections")
        if isinstance(chosen, list) and self.section not in chosen:
            return not_applicable(f"the connector was set not to read {words} on {snapshot.target}")
        section = snapshot.get(self.section)
        if not isinstance(section, dict):
            return self.missing(snapshot, words)
        return self.check(snapshot, section)

    @abc.abstractmethod
    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        """The outcome for this host, given the section the test judges."""

    @staticmethod
    def unreadable(snapshot: Snapshot, what: str, fact: dict[str, Any] | None) -> Outcome:
        """An error naming what could not be read and why."""
        reason = (fact or {}).get("error") or "it was not readable"
        return errored(
            f"{what} of {snapshot.target} could not be read ({reason}), so this cannot be "
            "judged; let the connector's account read it (usually: collect as root)"
        )


class SshdTest(LinuxSectionTest, abc.ABC):
    """A test of the effective sshd settings; not applicable where no SSH daemon is
    installed."""

    section = "sshd"

    def check(self, snapshot: Snapshot, section: dict[str, Any]) -> Outcome:
        if section.get("installed") is False and "settings" not in section:
            return not_applicable(f"no SSH daemon is installed on {snapshot.target}")
        settings = section.get("settings")
        if not isinstance(settings, dict):
            return self.unreadable(snapshot, "the sshd configuration", section)
        return self.settings(snapshot, settings)

    @abc.abstractmethod
    def settings(self, snapshot: Snapshot, settings: dict[str, Any]) -> Outcome:
        """The outcome given sshd's effective settings (lower-case keywords)."""

    def value(self, snapshot: Snapshot, settings: dict[str, Any], key: str) -> Any:
        """A setting, or an ``Outcome`` (error) when the snapshot does not have it."""
        if key not in settings:
            return self.missing(snapshot, f"sshd's {key} setting")
        return settings[key]


def pam_entries(section: dict[str, Any], files: tuple[str, ...], kind: str) -> list | None:
    """The ``kind`` entries of the readable PAM ``files`` (None when none of them is)."""
    pam = section.get("pam") or {}
    readable = [pam[f] for f in files if isinstance(pam.get(f), dict) and pam[f].get("readable")]
    if not readable:
        return None
    return [e for f in readable for e in f.get("entries", []) if e.get("type") == kind]
