"""EBS volumes are encrypted, and new ones by default."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, failed, passed


class AwsEbsEncryption(AwsTest):
    """Passes when, in every region read, EBS encryption by default is on and no volume is
    unencrypted. Fails naming the regions without encryption by default and the unencrypted
    volumes. Errors when the snapshot does not hold a region's EBS setting or volumes, or AWS
    refused to show them."""

    id = "aws_ebs_encryption"
    title = "EBS volumes are encrypted"
    control_ids = ("A.8.24",)
    severity = "medium"
    remediation = (
        "Turn on EBS encryption by default in every region (EC2 > Settings > Data "
        "protection); encrypt existing volumes by copying a snapshot with encryption and "
        "replacing the volume."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        defaults, problem = facts.regional(
            snapshot, "ec2", "ebs_encryption_by_default", "EBS encryption by default"
        )
        volumes, problem = (
            (None, problem)
            if problem
            else facts.regional(snapshot, "ec2", "volumes", "the EBS volumes")
        )
        if problem:
            return errored(problem)
        failing = [
            f"{region} (not encrypted by default)" for region, d in defaults if not d.get("enabled")
        ]
        count = len(defaults)
        for region, found in volumes:
            items = found.get("items", [])
            count += len(items)
            failing += [f"{v['id']} ({region})" for v in items if not v.get("encrypted")]
        if failing:
            shown = ", ".join(failing[:5]) + (" …" if len(failing) > 5 else "")
            return failed(f"EBS encryption gaps on {snapshot.target}: {shown}", failing, count)
        return passed(
            f"EBS encryption is on by default in {len(defaults)} region(s) and every volume is "
            "encrypted",
            count,
        )
