"""The Statement of Applicability (clause 6.1.3 d): one entry per Annex A control."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.isms.choices import ImplementationStatus


class SoAEntry(OrgOwned):
    """Whether one Annex A control applies, why, how far it is implemented, and who owns it.

    ``version`` grows by one on every change; a writer that read version *n* may only save
    while the entry is still at *n* (optimistic concurrency: no silent overwrite).
    """

    control = models.ForeignKey("catalog.Control", on_delete=models.PROTECT, related_name="+")
    applicable = models.BooleanField(default=False)
    justification = models.TextField(blank=True)
    status = models.CharField(
        "implementation status",
        max_length=30,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    control_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_soa_entries",
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "control"], name="isms_soa_one_entry_per_control"
            )
        ]
        ordering = ["control__sort_key"]
        verbose_name = "SoA entry"
        verbose_name_plural = "SoA entries"

    def __str__(self) -> str:
        return f"SoA {self.control_id}"

    @property
    def is_decided(self) -> bool:
        """An entry is decided once someone justified its inclusion or exclusion."""
        return bool(self.justification.strip())


class SoAApproval(OrgOwned):
    """One approved version of the Statement of Applicability (the controlled document).

    ``number`` counts per organization from 1. ``snapshot_sha256`` hashes every entry's decision
    at approval, so a document can tell whether the SoA still reads as approved. ``ledger_seq``
    is the ledger entry of the approval: the change history of version *n* is the SoA's ledger
    entries between the approvals *n − 1* and *n*.
    """

    number = models.PositiveIntegerField()
    # An approval must keep naming its approver: the user row cannot be deleted under it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    note = models.TextField(blank=True)
    snapshot_sha256 = models.CharField(max_length=64)
    ledger_seq = models.BigIntegerField()

    class Meta:
        ordering = ["organization_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="isms_soa_approval_number_unique"
            )
        ]
        verbose_name = "SoA approval"

    def __str__(self) -> str:
        return f"SoA version {self.number}"
