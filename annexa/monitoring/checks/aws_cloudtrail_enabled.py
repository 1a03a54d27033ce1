"""A multi-region CloudTrail trail is logging."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, failed, passed


class AwsCloudtrailEnabled(AwsTest):
    """Passes when at least one CloudTrail trail covers all regions and is logging. Fails
    when there is no trail, or no multi-region trail is logging. Errors when the snapshot does
    not hold the trails, AWS refused to list them, or no logging multi-region trail was found
    while the status of one could not be read."""

    id = "aws_cloudtrail_enabled"
    title = "A multi-region CloudTrail trail is logging"
    control_ids = ("A.8.15",)
    severity = "high"
    remediation = (
        "Create a CloudTrail trail that applies to all regions (or an organization trail) "
        "and start logging; deliver to a bucket only the security team can change."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        cloudtrail, problem = facts.read(snapshot, "cloudtrail", "the CloudTrail trails")
        if problem:
            return errored(problem)
        account = snapshot.target
        multi = [t for t in cloudtrail.get("trails", []) if t.get("multi_region")]
        logging = [t["name"] for t in multi if t.get("logging") is True]
        if logging:
            return passed(f"{account} logs all regions with {', '.join(logging)}", len(multi))
        if any(t.get("logging") is None for t in multi):
            return errored(
                f"the logging status of a multi-region trail of {account} could not be read"
            )
        if multi:
            names = [t["name"] for t in multi]
            return failed(f"no multi-region trail of {account} is logging", names, len(multi))
        return failed(f"{account} has no CloudTrail trail covering all regions", [account])
