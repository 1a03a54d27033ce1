"""S3 buckets encrypt objects at rest by default."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


class AwsS3Encryption(AwsTest):
    """Passes when every S3 bucket has a default encryption configuration (SSE-S3 or
    SSE-KMS). Fails naming the buckets without one. Not applicable when the account has no
    bucket. Errors when the snapshot does not hold the buckets, or AWS refused to list them or
    to show a bucket's encryption."""

    id = "aws_s3_encryption"
    title = "S3 buckets have default encryption"
    control_ids = ("A.8.24",)
    severity = "medium"
    remediation = (
        "Set default encryption on every bucket (SSE-KMS with a customer-managed key where "
        "access to the data must be controlled separately, SSE-S3 otherwise)."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        buckets, problem = facts.read(snapshot, "s3.buckets", "the S3 buckets")
        if problem:
            return errored(problem)
        items = buckets.get("items", [])
        for bucket in items:
            encryption = bucket.get("encryption") or {}
            if not encryption.get("readable"):
                return errored(
                    facts.refused(
                        snapshot, encryption, f"the encryption of bucket {bucket['name']}"
                    )
                )
        return self.each(
            items,
            lambda bucket: not bucket["encryption"].get("enabled"),
            lambda bucket: bucket["name"],
            noun="buckets",
            where=f"account {snapshot.target}",
        )
