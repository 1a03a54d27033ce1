"""The ledger's tables: the chain of entries, its head, signed checkpoints and trusted keys.

None of these is ``OrgOwned``: the ledger records changes to domain objects but is not one, and
an export carries it verbatim in ``ledger/`` rather than as a data file.
"""

from __future__ import annotations

import json

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgQuerySet
from annexa.ledger import format as fmt
from annexa.ledger.verifier import CheckpointClaim


class LedgerHead(models.Model):
    """The tip of one organization's chain; its row lock serialises appends on PostgreSQL."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="ledger_head"
    )
    seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=fmt.GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.organization_id}@{self.seq}"


class LedgerEntry(models.Model):
    """One append-only record of a change. Never updated or deleted (a trigger on PostgreSQL)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    seq = models.BigIntegerField()
    time = models.CharField(max_length=32)  # RFC 3339 UTC, exactly as hashed
    actor = models.CharField(max_length=254)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128)
    action = models.CharField(max_length=64)
    data = models.TextField()  # canonical JSON, exactly as hashed
    blob_sha256 = models.CharField(max_length=64, null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "seq"], name="ledger_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id"]),
            models.Index(fields=["organization", "blob_sha256"]),
        ]
        ordering = ["organization_id", "seq"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}"

    @property
    def data_value(self):
        return json.loads(self.data)

    def document(self, org_uid: str) -> dict:
        return fmt.entry_document(
            seq=self.seq,
            time=self.time,
            org=org_uid,
            actor=self.actor,
            object_type=self.object_type,
            object_id=self.object_id,
            action=self.action,
            data=json.loads(self.data),
            blob_sha256=self.blob_sha256,
            prev=self.prev_hash,
        )


class Checkpoint(models.Model):
    """A signed statement: "the first ``tree_size`` entries of this org have this Merkle root"."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="ledger_checkpoints"
    )
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)  # hex
    time = models.CharField(max_length=32)  # RFC 3339 UTC, exactly as signed
    signature = models.CharField(max_length=128)  # base64 of the 64-byte Ed25519 signature
    key_id = models.CharField(max_length=64)  # SHA-256 (hex) of the raw public key
    # The compact range (hex node hashes) after tree_size leaves: lets the next checkpoint hash
    # only the entries appended since. Not signed; a wrong one yields a root verification rejects.
    frontier = models.TextField(default="[]")

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "tree_size"], name="ledger_checkpoint_size_unique"
            ),
        ]
        ordering = ["organization_id", "tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"

    @property
    def frontier_nodes(self) -> list[bytes]:
        return [bytes.fromhex(node) for node in json.loads(self.frontier)]

    def claim(self) -> CheckpointClaim:
        """What was signed and by which key (and its time-stamp), as both verifiers read it."""
        try:
            stamp = self.timestamp.response
        except ObjectDoesNotExist:
            stamp = None
        return CheckpointClaim(
            tree_size=self.tree_size,
            root_hash=self.root_hash,
            time=self.time,
            signature=self.signature,
            key_id=self.key_id,
            timestamp=stamp,
        )

    def message(self, org_uid: str) -> bytes:
        return fmt.checkpoint_message(
            org=org_uid, tree_size=self.tree_size, root_hash=self.root_hash, time=self.time
        )


class CheckpointTimestamp(models.Model):
    """An RFC 3161 time-stamp of a checkpoint's signed message, from the TSA at ANNEXA_TSA_URL.

    Kept beside the checkpoint (append-only like it) because it is obtained after the checkpoint
    is committed: a slow or absent TSA never holds the ledger's lock or loses a checkpoint.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="ledger_timestamps"
    )
    checkpoint = models.OneToOneField(
        Checkpoint, on_delete=models.PROTECT, related_name="timestamp"
    )
    response = models.TextField()  # base64 of the DER TimeStampResp, exactly as received
    tsa_url = models.CharField(max_length=500)
    gen_time = models.CharField(max_length=32)  # the TSA's time, RFC 3339 UTC (informative)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "checkpoint_id"]

    def __str__(self) -> str:
        return f"time-stamp {self.gen_time} of checkpoint {self.checkpoint_id}"


class TrustedKey(models.Model):
    """A public key, other than this instance's own, that signed some of an org's checkpoints.

    Added when a bundle is imported, so checkpoints keep their original signatures and are
    verified against the key that made them.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="ledger_trusted_keys"
    )
    key_id = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)  # hex of the 32 raw Ed25519 bytes
    source = models.CharField(max_length=200)
    added_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key_id"], name="ledger_trusted_key_unique"
            ),
        ]
        ordering = ["organization_id", "added_at"]

    def __str__(self) -> str:
        return f"key {self.key_id[:16]}"
