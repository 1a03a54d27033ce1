"""Evidence requests: an auditor asks a member (typically the control owner) for evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.audits.choices import RequestStatus
from annexa.audits.models.checklist import ChecklistItem
from annexa.core.tenancy import OrgOwned


class EvidenceRequest(OrgOwned):
    """A request for evidence about one checklist item, and the versions that answered it."""

    item = models.ForeignKey(
        ChecklistItem, on_delete=models.CASCADE, related_name="evidence_requests"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_requests"
    )
    description = models.TextField()
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    fulfilled_evidence = models.ManyToManyField(
        "evidence.EvidenceVersion", related_name="+", blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "created_at", "id"]

    def __str__(self) -> str:
        return f"Evidence request to {self.assignee} about {self.item}"
