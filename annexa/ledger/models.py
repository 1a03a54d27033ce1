from __future__ import annotations

import json

from django.db import models

from annexa.ledger import format as fmt


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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "seq"], name="ledger_seq_unique"),
        ]
        indexes = [models.Index(fields=["organization", "object_type", "object_id"])]
        ordering = ["organization_id", "seq"]

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
