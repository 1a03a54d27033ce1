"""S3 public access is blocked for the account or for every bucket."""

from __future__ import annotations

from typing import Any

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored, passed

SETTINGS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)


def blocks_all(block: dict[str, Any]) -> bool:
    return bool(block.get("configured")) and all(block.get(name) for name in SETTINGS)


class AwsS3PublicAccess(AwsTest):
    """Passes when the account-level S3 Block Public Access has all four settings on, or
    else every bucket's own block has them all on. Fails naming the buckets that neither
    block covers. Not applicable when the account has no bucket and no account-level block.
    Errors when the snapshot does not hold the buckets, AWS refused to show a bucket's block,
    or buckets lack a block while the account-level block could not be read."""

    id = "aws_s3_public_access"
    title = "S3 Block Public Access covers every bucket"
    control_ids = ("A.8.3", "A.5.15")
    severity = "high"
    remediation = (
        "Turn on all four Block Public Access settings for the account (S3 > Block Public "
        "Access settings for this account); share data through signed URLs or CloudFront "
        "instead of public buckets."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        account = snapshot.get("s3.account_public_access_block")
        if isinstance(account, dict) and account.get("readable") and blocks_all(account):
            return passed(f"account {snapshot.target} blocks public access to every bucket")
        buckets, problem = facts.read(snapshot, "s3.buckets", "the S3 buckets")
        if problem:
            return errored(problem)
        items = buckets.get("items", [])
        for bucket in items:
            block = bucket.get("public_access_block") or {}
            if not block.get("readable"):
                return errored(
                    facts.refused(snapshot, block, f"the public access block of {bucket['name']}")
                )
        if any(not blocks_all(b["public_access_block"]) for b in items):
            _found, unknown = facts.read(
                snapshot, "s3.account_public_access_block", "the account's public access block"
            )
            if unknown:
                return errored(unknown)
        return self.each(
            items,
            lambda bucket: not blocks_all(bucket["public_access_block"]),
            lambda bucket: bucket["name"],
            noun="buckets",
            where=f"account {snapshot.target}",
        )
