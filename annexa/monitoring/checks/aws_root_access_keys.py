"""The AWS account's root user has no access keys."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, failed, passed


class AwsRootAccessKeys(AwsTest):
    """Passes when the IAM account summary says the root user has no access keys
    (AccountAccessKeysPresent is 0). Fails when the root user has one. Errors when the
    snapshot does not hold the account summary or AWS refused to show it."""

    id = "aws_root_access_keys"
    title = "Root user has no access keys"
    control_ids = ("A.8.2",)
    severity = "critical"
    remediation = (
        "Delete the root user's access keys (Security credentials of the root user); give "
        "programs their own IAM roles or users with only the rights they need."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        summary, problem = facts.read(snapshot, "iam.account_summary", "the IAM account summary")
        if problem:
            return errored(problem)
        if "root_access_keys_present" not in summary:
            return self.missing(snapshot, "whether the root user has access keys")
        if summary["root_access_keys_present"]:
            return failed(f"the root user of {snapshot.target} has access keys", ["root"])
        return passed(f"the root user of {snapshot.target} has no access keys")
