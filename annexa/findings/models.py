"""Audit findings: nonconformities, observations and opportunities for improvement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.findings.choices import (
    NONCONFORMITIES,
    UNRESOLVED,
    FindingGrade,
    FindingOrigin,
    FindingStatus,
    GapNature,
)


class Finding(OrgOwned):
    """One finding, against a requirement or an Annex A control, with its objective evidence.

    ``number`` is unique in the organization and never reused (``reference`` is ``F-0007``).
    ``raised_in`` is the audit that raised it and ``closed_in`` the audit that closed it (a
    follow-up or later audit; empty when it was closed by verification outside an audit).
    ``evidence`` links evidence *versions*, like the checklist: the exact bytes examined.
    Change it only through ``annexa.findings.services``.
    """

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    grade = models.CharField(max_length=20, choices=FindingGrade.choices)
    status = models.CharField(
        max_length=20, choices=FindingStatus.choices, default=FindingStatus.DRAFT
    )
    origin = models.CharField(
        max_length=20, choices=FindingOrigin.choices, default=FindingOrigin.DIRECT
    )
    requirement = models.ForeignKey(
        "catalog.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requirement_statement = models.TextField(
        "the requirement, in our words", blank=True, help_text="Never the standard's wording."
    )
    statement = models.TextField("finding statement")
    nature = models.CharField(
        "nature of the gap", max_length=30, choices=GapNature.choices, blank=True
    )
    evidence = models.ManyToManyField(
        "evidence.EvidenceVersion", related_name="findings", blank=True
    )
    auditees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    checklist_item = models.ForeignKey(
        "audits.ChecklistItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    raised_in = models.ForeignKey(
        "audits.Audit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings_raised",
    )
    closed_in = models.ForeignKey(
        "audits.Audit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings_closed",
    )
    source_detail = models.TextField(blank=True)  # what monitoring saw, for drafts it raised
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="findings_number_unique"
            ),
            # One finding per checklist item: raising from an item is idempotent.
            models.UniqueConstraint(
                fields=["checklist_item"],
                condition=Q(checklist_item__isnull=False),
                name="findings_one_per_checklist_item",
            ),
            models.CheckConstraint(
                condition=Q(requirement__isnull=False) | Q(control__isnull=False),
                name="findings_against_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"F-{self.number:04d}"

    @property
    def subject_id(self) -> str:
        """The control or requirement id the finding is against (the control when both)."""
        return self.control_id or self.requirement_id or ""

    @property
    def is_nonconformity(self) -> bool:
        return self.grade in NONCONFORMITIES

    @property
    def is_unresolved(self) -> bool:
        return self.status in UNRESOLVED

    def age_days(self) -> int:
        """Whole days since it was raised (to its closure when closed)."""
        end = self.closed_at or timezone.now()
        return max((end - self.raised_at).days, 0)
