"""Every IAM user who can sign in to the console has MFA."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


class AwsUserMfa(AwsTest):
    """Passes when every IAM user with a console password has an active MFA device. Fails
    naming the console users without MFA. Not applicable when no user has a console password.
    Errors when the snapshot does not hold the users or AWS refused to list them."""

    id = "aws_user_mfa"
    title = "IAM console users have MFA"
    control_ids = ("A.8.5",)
    severity = "high"
    remediation = (
        "Assign an MFA device to every IAM user with a console password, and deny console "
        "actions without MFA (aws:MultiFactorAuthPresent) until one is set."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        users, problem = facts.read(snapshot, "iam.users", "the IAM users")
        if problem:
            return errored(problem)
        console = [u for u in users.get("items", []) if u.get("password_enabled")]
        return self.each(
            console,
            lambda user: not user.get("mfa_active"),
            lambda user: user["name"],
            noun="console users",
            where=f"account {snapshot.target}",
        )
