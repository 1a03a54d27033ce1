"""RDS database instances encrypt their storage."""

from __future__ import annotations

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


class AwsRdsEncryption(AwsTest):
    """Passes when every RDS database instance in the regions read has encrypted storage.
    Fails naming the unencrypted instances. Not applicable when there is no instance. Errors
    when the snapshot does not hold a region's instances or AWS refused to list them."""

    id = "aws_rds_encryption"
    title = "RDS storage is encrypted"
    control_ids = ("A.8.24",)
    severity = "high"
    remediation = (
        "Encryption cannot be switched on for a running instance: restore an encrypted copy "
        "of a snapshot as a new instance, move the application to it, and retire the old one."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        regions, problem = facts.regional(snapshot, "rds", None, "the RDS instances")
        if problem:
            return errored(problem)
        instances = [(region, db) for region, found in regions for db in found.get("instances", [])]
        return self.each(
            instances,
            lambda item: not item[1].get("storage_encrypted"),
            lambda item: f"{item[1]['id']} ({item[0]})",
            noun="database instances",
            where=f"account {snapshot.target}",
        )
