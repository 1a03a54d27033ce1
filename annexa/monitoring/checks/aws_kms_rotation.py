"""Customer-managed KMS keys rotate automatically."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


class AwsKmsRotation(AwsTest):
    """Passes when every enabled, symmetric customer-managed KMS key created by KMS has
    automatic rotation on. Fails naming the keys without it. Not applicable when there is no
    such key (AWS-managed keys rotate on their own; other kinds cannot rotate automatically).
    Errors when the snapshot does not hold a region's keys, or AWS refused to show a key or
    its rotation status."""

    id = "aws_kms_rotation"
    title = "KMS keys rotate automatically"
    control_ids = ("A.8.24",)
    severity = "medium"
    remediation = (
        "Turn on automatic rotation for each symmetric customer-managed key (yearly or a "
        "shorter period); rotation keeps old key material, so data stays readable."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        regions, problem = facts.regional(snapshot, "kms", None, "the KMS keys")
        if problem:
            return errored(problem)
        keys = []
        for region, found in regions:
            for key in found.get("keys", []):
                if key.get("readable") is False or key.get("rotation_error"):
                    reason = key.get("error") or key.get("rotation_error")
                    return errored(
                        facts.refused(
                            snapshot, {"error": reason}, f"KMS key {key['id']} ({region})"
                        )
                    )
                if (
                    key.get("state") == "Enabled"
                    and key.get("spec") == "SYMMETRIC_DEFAULT"
                    and key.get("origin") == "AWS_KMS"
                ):
                    keys.append((region, key))
        return self.each(
            keys,
            lambda item: not item[1].get("rotation_enabled"),
            lambda item: f"{item[1]['id']} ({item[0]})",
            noun="customer-managed keys",
            where=f"account {snapshot.target}",
        )
