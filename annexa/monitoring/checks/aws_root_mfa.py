"""The AWS account's root user signs in with multi-factor authentication."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, failed, passed


class AwsRootMfa(AwsTest):
    """Passes when the IAM account summary says the root user has an MFA device
    (AccountMFAEnabled). Fails when it has none. Errors when the snapshot does not hold the
    account summary or AWS refused to show it."""

    id = "aws_root_mfa"
    title = "Root user has MFA"
    control_ids = ("A.8.5",)
    severity = "critical"
    remediation = (
        "Sign in as the root user and assign an MFA device (preferably a hardware key); keep "
        "it with the break-glass procedure, not with one person."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        summary, problem = facts.read(snapshot, "iam.account_summary", "the IAM account summary")
        if problem:
            return errored(problem)
        if "mfa_enabled" not in summary:
            return self.missing(snapshot, "whether the root user has MFA")
        if not summary["mfa_enabled"]:
            return failed(f"the root user of {snapshot.target} has no MFA", ["root"])
        return passed(f"the root user of {snapshot.target} has MFA")
