"""The AWS account's IAM password policy asks for long passwords that are not reused."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, failed, passed

MINIMUM_LENGTH = 14
REMEMBERED = 5


class AwsPasswordPolicy(AwsTest):
    """Passes when the account has an IAM password policy that asks for at least 14
    characters and prevents reuse of at least the last 5 passwords. Fails when no policy is
    set (AWS then accepts 8 characters and any reuse) or the policy asks for less. Errors when
    the snapshot does not hold the policy or AWS refused to show it."""

    id = "aws_password_policy"
    title = "IAM password policy requires long, non-reused passwords"
    control_ids = ("A.5.17",)
    severity = "medium"
    remediation = (
        "Set an account password policy in IAM (Account settings): a minimum length of 14 "
        "or more and password reuse prevention of 5 or more remembered passwords."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        policy, problem = facts.read(snapshot, "iam.password_policy", "the IAM password policy")
        if problem:
            return errored(problem)
        account = snapshot.target
        if not policy.get("set"):
            return failed(f"account {account} has no IAM password policy", [account])
        gaps = []
        if (policy.get("minimum_length") or 0) < MINIMUM_LENGTH:
            gaps.append(f"minimum length {policy.get('minimum_length')} < {MINIMUM_LENGTH}")
        if (policy.get("reuse_prevention") or 0) < REMEMBERED:
            gaps.append(f"remembers {policy.get('reuse_prevention') or 0} < {REMEMBERED} passwords")
        if gaps:
            return failed(f"the password policy of {account} is weak: {'; '.join(gaps)}", [account])
        return passed(f"the password policy of {account} asks for long, non-reused passwords")
