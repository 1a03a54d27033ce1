"""Active IAM access keys are rotated at least every 90 days."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored

MAX_AGE_DAYS = 90


class AwsAccessKeyAge(AwsTest):
    """Passes when every active access key of every IAM user was created (last rotated)
    within 90 days of the day the evidence speaks for. Fails naming the older keys. Not
    applicable when no user has an active access key. Errors when the snapshot does not hold
    the users or AWS refused to list them, or a key has no creation date."""

    id = "aws_access_key_age"
    title = "IAM access keys are rotated within 90 days"
    control_ids = ("A.5.17", "A.8.5")
    severity = "medium"
    remediation = (
        "Create a new access key, switch the program to it, then deactivate and delete the "
        "old one; better, replace long-lived keys with roles and temporary credentials."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        users, problem = facts.read(snapshot, "iam.users", "the IAM users")
        if problem:
            return errored(problem)
        keys = [
            (user["name"], key)
            for user in users.get("items", [])
            for key in user.get("access_keys", [])
            if key.get("active")
        ]
        if any(not key.get("last_rotated") for _name, key in keys):
            return self.missing(snapshot, "when every active access key was created")
        return self.each(
            keys,
            lambda item: facts.days_before(item[1]["last_rotated"], self.as_of) > MAX_AGE_DAYS,
            lambda item: f"{item[0]} key {item[1].get('slot')} ({item[1]['last_rotated']})",
            noun="active access keys",
            where=f"account {snapshot.target}",
        )
