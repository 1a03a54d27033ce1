"""IAM passwords and access keys not used for 90 days are removed."""

from __future__ import annotations

from typing import Any

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored

UNUSED_DAYS = 90


class AwsUnusedCredentials(AwsTest):
    """Passes when every console password and active access key was used within 90 days of
    the day the evidence speaks for (one never used counts from its creation). Fails naming
    the credentials unused for longer. Not applicable when no user has a password or an active
    key. Errors when the snapshot does not hold the users or AWS refused to list them."""

    id = "aws_unused_credentials"
    title = "Unused IAM credentials are removed within 90 days"
    control_ids = ("A.5.18",)
    severity = "medium"
    remediation = (
        "Delete console passwords and deactivate access keys unused for 90 days; confirm "
        "with the user's manager whether the account itself is still needed."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        users, problem = facts.read(snapshot, "iam.users", "the IAM users")
        if problem:
            return errored(problem)
        credentials: list[tuple[str, str | None]] = []
        for user in users.get("items", []):
            if user.get("password_enabled"):
                used = user.get("password_last_used") or user.get("created")
                credentials.append((f"{user['name']} password", used))
            for key in user.get("access_keys", []):
                if key.get("active"):
                    used = key.get("last_used") or key.get("last_rotated")
                    credentials.append((f"{user['name']} key {key.get('slot')}", used))
        return self.each(
            credentials,
            self._stale,
            lambda item: f"{item[0]} (unused since {item[1] or 'an unknown day'})",
            noun="credentials",
            where=f"account {snapshot.target}",
        )

    def _stale(self, item: tuple[str, Any]) -> bool:
        days = facts.days_before(item[1], self.as_of)
        return days is None or days > UNUSED_DAYS
