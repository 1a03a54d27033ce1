"""Who is responsible for which requirement, and justified exceptions to auditor independence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.audits.models.audit import Audit
from annexa.core.tenancy import OrgOwned


class RequirementOwner(OrgOwned):
    """The member responsible for a clause 4–10 requirement in this organization.

    Ownership of a clause or sub-clause extends to its lettered items (7.2 owned by HR makes
    HR responsible for 7.2.a–d), unless an item has an owner of its own.
    """

    requirement = models.ForeignKey(
        "catalog.Requirement", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_requirements"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requirement__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "requirement"], name="audits_requirement_owner_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement_id} owned by {self.user}"


class IndependenceOverride(OrgOwned):
    """A manager's recorded justification for letting an auditor audit something they own.

    ``conflict_key`` names the conflict as data (``control:A.8.5``, ``unit:<uid>``,
    ``requirement:7.2``); ``conflict`` describes it for people. Overrides appear in the report.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="overrides")
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    conflict_key = models.CharField(max_length=80)
    conflict = models.TextField()
    justification = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "auditor", "conflict_key"], name="audits_override_once"
            )
        ]

    def __str__(self) -> str:
        return f"Override for {self.auditor} on {self.conflict_key}"
