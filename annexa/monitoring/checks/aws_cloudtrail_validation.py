"""CloudTrail trails validate their log files."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


class AwsCloudtrailValidation(AwsTest):
    """Passes when every CloudTrail trail has log file integrity validation on, so a deleted
    or altered log file can be detected. Fails naming the trails without it. Not applicable
    when the account has no trail (aws_cloudtrail_enabled fails then). Errors when the snapshot
    does not hold the trails or AWS refused to list them."""

    id = "aws_cloudtrail_validation"
    title = "CloudTrail log file validation is on"
    control_ids = ("A.8.15",)
    severity = "medium"
    remediation = (
        "Turn on log file validation for every trail (EnableLogFileValidation); CloudTrail "
        "then writes signed digest files that prove the logs were not changed."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        cloudtrail, problem = facts.read(snapshot, "cloudtrail", "the CloudTrail trails")
        if problem:
            return errored(problem)
        return self.each(
            cloudtrail.get("trails", []),
            lambda trail: not trail.get("log_file_validation"),
            lambda trail: trail["name"],
            noun="trails",
            where=f"account {snapshot.target}",
        )
