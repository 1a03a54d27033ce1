"""The evidence locker: logical evidence items and their immutable, content-addressed versions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.evidence.choices import Freshness, Source


class Evidence(OrgOwned):
    """One piece of evidence as people talk about it ("the access review of Q3").

    Its content lives in versions; ``current_version`` is the newest. What it supports is kept
    as links to Annex A controls and clause requirements.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    controls = models.ManyToManyField("catalog.Control", blank=True, related_name="evidence_items")
    requirements = models.ManyToManyField(
        "catalog.Requirement", blank=True, related_name="evidence_items"
    )
    current_version = models.OneToOneField(
        "EvidenceVersion",
        null=True,
        blank=True,
        # RESTRICT, not PROTECT: deleting the organization cascades to both rows.
        on_delete=models.RESTRICT,
        related_name="current_of",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "evidence"
        indexes = [
            # The lists' order: a page of 50 is read off the index instead of sorting every
            # piece of the organization (23 ms -> 0.6 ms of SQLite at 13,000 pieces).
            models.Index(
                fields=["organization", "-created_at", "-id"], name="evidence_org_newest_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EvidenceVersion(OrgOwned):
    """Immutable content of one evidence item at one point: bytes named by their SHA-256.

    Rows are written once, after their blob is in the store, and never changed.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=120)
    filename = models.CharField(max_length=255)  # as given; data only, never a path
    source = models.CharField(max_length=20, choices=Source.choices)
    source_detail = models.CharField(max_length=200, blank=True)
    collected_at = models.DateTimeField()
    effective_date = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["evidence_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="evidence_version_unique"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="evidence_size_not_negative"),
            models.CheckConstraint(condition=Q(number__gte=1), name="evidence_number_positive"),
        ]
        indexes = [
            # The few issued reports among every version: the list leaves out (and counts) the
            # evidence whose current version is one without joining every piece to its version
            # (``filters.issued_versions``; 116 -> 30 ms and 27 -> 0.03 ms on PostgreSQL at
            # 100,000 pieces).
            models.Index(fields=["id"], condition=Q(source="issued"), name="evidence_issued_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("evidence versions are immutable; add a new version instead")
        super().save(*args, **kwargs)

    def freshness(self, today: datetime.date | None = None) -> Freshness:
        if self.valid_until is None:
            return Freshness.NO_EXPIRY
        today = today or timezone.localdate()
        return Freshness.STALE if self.valid_until < today else Freshness.FRESH

    @property
    def is_stale(self) -> bool:
        return self.freshness() == Freshness.STALE
