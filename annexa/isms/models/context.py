"""Context of the organization (clause 4.1) and interested parties (clause 4.2)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.isms.choices import IssueKind


class ContextIssue(OrgOwned):
    """An internal or external issue that affects what the ISMS can achieve.

    ``climate_related`` marks issues about climate change, which Amendment 1:2024 asks an
    organization to consider explicitly.
    """

    kind = models.CharField(max_length=10, choices=IssueKind.choices)
    description = models.TextField()
    effect = models.TextField("effect on the ISMS", blank=True)
    climate_related = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


class InterestedParty(OrgOwned):
    """A party whose requirements matter to the ISMS, and which of them the ISMS addresses."""

    name = models.CharField(max_length=200)
    requirements = models.TextField(blank=True)
    addressed_through_isms = models.TextField("requirements addressed through the ISMS", blank=True)
    relevant = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="isms_party_name_unique",
                violation_error_message="There is already an interested party with this name.",
            )
        ]
        ordering = ["name"]
        verbose_name_plural = "interested parties"

    def __str__(self) -> str:
        return self.name
