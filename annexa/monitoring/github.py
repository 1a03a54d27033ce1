"""Shared reading of GitHub organization snapshots for the ``github_*`` control tests.

Not a test module (the loader reads only ``monitoring.checks``): it holds the abstract base of
the tests that judge every active repository, and the accessors for snapshot sections that
the connector marks ``readable: false`` when GitHub refused them.
"""

from __future__ import annotations

import abc
from dataclasses import replace
from typing import Any, ClassVar

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, errored


def where(snapshot: Snapshot) -> str:
    return f"the GitHub organization {snapshot.target}"


def section(snapshot: Snapshot, name: str) -> dict[str, Any] | None:
    """A section the connector could read, or None (absent, or refused by GitHub)."""
    value = snapshot.get(name)
    if isinstance(value, dict) and value.get("readable") is True:
        return value
    return None


def refused(snapshot: Snapshot, name: str) -> str:
    """Why a section is missing, in words (GitHub's answer when it refused)."""
    value = snapshot.get(name)
    if isinstance(value, dict) and value.get("error"):
        return f" (GitHub answered: {value['error']})"
    return ""


def protection(repo: dict[str, Any]) -> dict[str, Any] | None:
    """The default branch protection GitHub showed for ``repo``, or None when it did not."""
    value = repo.get("branch_protection")
    return value if isinstance(value, dict) and value.get("readable") else None


def shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (" …" if len(names) > 5 else "")


class GithubRepositoryTest(GithubTest, abc.ABC):
    """Judges each active (not archived) repository: ``verdict`` is True when it fails,
    False when it passes and None when the snapshot does not say; ``what`` names the fact."""

    what: ClassVar[str]

    @abc.abstractmethod
    def verdict(self, repo: dict[str, Any]) -> bool | None:
        """True: the repository fails; False: it passes; None: unknown."""

    def judge(self, snapshot: Snapshot) -> Outcome:
        repositories = section(snapshot, "repositories")
        if repositories is None:
            return self.missing(
                snapshot, "which repositories it has" + refused(snapshot, "repositories")
            )
        active = [r for r in repositories.get("items", []) if not r.get("archived")]
        verdicts = [(repo, self.verdict(repo)) for repo in active]
        unknown = [str(repo.get("name")) for repo, verdict in verdicts if verdict is None]
        known = [repo for repo, verdict in verdicts if verdict is not None]
        outcome = self.each(
            known,
            lambda repo: bool(self.verdict(repo)),
            lambda repo: str(repo.get("full_name") or repo.get("name")),
            noun="repositories",
            where=where(snapshot),
            empty=f"{where(snapshot)} has no active repositories",
        )
        if outcome.status == ResultStatus.FAIL or not unknown:
            if repositories.get("truncated") and outcome.status == ResultStatus.PASS:
                # Only the first repositories were read (the connector's limit).
                reason = f"{outcome.reason}; only the first {repositories.get('limit')} were read"
                return replace(outcome, reason=reason)
            return outcome
        return errored(
            f"{len(unknown)} of {len(active)} repositories on {where(snapshot)} do not say "
            f"{self.what}: {shown(unknown)}; check that the token may administer them"
        )
