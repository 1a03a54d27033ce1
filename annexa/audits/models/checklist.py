"""The checklist of an audit: one item per requirement or control, and what fieldwork found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.audits.choices import ChecklistResult
from annexa.audits.models.audit import Audit
from annexa.core.tenancy import OrgOwned


class ChecklistItem(OrgOwned):
    """One question set of an audit's checklist, about one requirement or one control.

    ``questions`` and ``expected_documents`` are copied from the catalog when the checklist is
    generated, so later catalog updates do not rewrite what the auditor asked. ``methods`` is a
    list of ``AuditMethod`` values. ``evidence`` links evidence *versions*, not evidence items:
    the auditor examined particular bytes, and the report's manifest must name exactly those
    (an evidence item keeps gaining versions after the audit). ``version`` grows on every save
    for optimistic concurrency between auditors working on the same checklist.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="checklist_items")
    order = models.PositiveIntegerField()
    requirement = models.ForeignKey(
        "catalog.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    questions = models.JSONField(default=list, blank=True)
    expected_documents = models.JSONField(
        "expected documented information", default=list, blank=True
    )
    # An item the auditor added with their own question (not generated from the scope): the
    # one-item-per-subject rule holds for generated items only.
    adhoc = models.BooleanField("ad-hoc question", default=False)
    removed = models.BooleanField(default=False)
    removal_reason = models.TextField(blank=True)
    result = models.CharField(
        max_length=20, choices=ChecklistResult.choices, default=ChecklistResult.BLANK, blank=True
    )
    methods = models.JSONField(default=list, blank=True)
    examined = models.TextField("what was examined", blank=True)
    analysis = models.TextField(blank=True)
    verification = models.TextField("how it was verified", blank=True)
    auditees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    auditees_other = models.TextField("other people interviewed", blank=True)
    notes = models.TextField(blank=True, help_text="Markdown.")
    evidence = models.ManyToManyField(
        "evidence.EvidenceVersion", related_name="checklist_items", blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audit_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(requirement__isnull=False, control__isnull=True)
                    | Q(requirement__isnull=True, control__isnull=False)
                ),
                name="audits_checklist_item_one_subject",
            ),
            models.UniqueConstraint(
                fields=["audit", "requirement"],
                condition=Q(requirement__isnull=False, adhoc=False),
                name="audits_checklist_requirement_once",
            ),
            models.UniqueConstraint(
                fields=["audit", "control"],
                condition=Q(control__isnull=False, adhoc=False),
                name="audits_checklist_control_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit.reference} #{self.order} {self.subject_id}"

    @property
    def subject_id(self) -> str:
        """The requirement or control id the item is about."""
        return self.requirement_id or self.control_id or ""
