"""Outside collaborators of the GitHub organization use two-factor authentication."""

from __future__ import annotations

from dataclasses import replace

from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.families import GithubTest
from annexa.monitoring.framework import Outcome, errored
from annexa.monitoring.github import refused, section, shown, where


class GithubOutsideCollaborators(GithubTest):
    """Passes when every outside collaborator (a person with access to repositories who is not
    a member) has two-factor authentication enabled; the reason lists them for the access
    review. Fails naming the outside collaborators without it. Not applicable when the
    organization has none. Errors when the list or their 2FA status could not be read."""

    id = "github_outside_collaborators"
    title = "GitHub outside collaborators are listed and use two-factor authentication"
    control_ids = ("A.5.19", "A.8.5")
    severity = "medium"
    remediation = (
        "Review every outside collaborator against a current agreement with their company; "
        "remove those no longer needed and require two-factor authentication of the rest."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        listing = section(snapshot, "outside_collaborators")
        if listing is None:
            return self.missing(
                snapshot,
                "who its outside collaborators are" + refused(snapshot, "outside_collaborators"),
            )
        people = listing.get("items", [])
        if people and any(person.get("mfa") is None for person in people):
            return errored(
                f"{where(snapshot)} has {len(people)} outside collaborator(s) whose two-factor "
                "status GitHub did not show; the token must belong to an organization owner"
            )
        outcome = self.each(
            people,
            lambda person: person.get("mfa") is False,
            lambda person: str(person.get("login")),
            noun="outside collaborators",
            where=where(snapshot),
            empty=f"{where(snapshot)} has no outside collaborators",
        )
        if outcome.status != ResultStatus.PASS:
            return outcome
        logins = [str(person.get("login")) for person in people]
        return replace(
            outcome,
            reason=f"{len(people)} outside collaborator(s) of {where(snapshot)}, all with "
            f"two-factor authentication, to review: {shown(logins)}",
        )
