"""Corrective actions (clause 10.2), their plan revisions, effectiveness reviews, and the
record of overdue reminders sent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.actions.choices import (
    NOT_DONE,
    ActionSource,
    ActionStatus,
    ReviewConclusion,
    ReviewMethod,
)
from annexa.core.tenancy import OrgOwned


class CorrectiveAction(OrgOwned):
    """What is done about a nonconformity (or a management-review decision): the immediate
    correction, the root cause (free text plus an optional 5-whys chain), the plan, its owner
    and due date, and where it stands.

    ``number`` is unique in the organization (``reference`` is ``CA-0003``). ``five_whys`` is a
    list of ``{"why": …, "because": …}`` pairs. ``plan`` is the current plan; every version of
    it is kept in ``revisions``. ``control`` is the Annex A control the action fixes (from the
    finding, or named directly), whose automated test results the effectiveness review shows.
    Change it only through ``annexa.actions.services``.
    """

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    source = models.CharField(
        max_length=20, choices=ActionSource.choices, default=ActionSource.FINDING
    )
    finding = models.ForeignKey(
        "findings.Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="E.g. the management review and decision."
    )
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requirement = models.ForeignKey(
        "catalog.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction = models.TextField("immediate correction", blank=True)
    root_cause = models.TextField("root-cause analysis", blank=True)
    five_whys = models.JSONField(default=list, blank=True)
    plan = models.TextField("corrective action plan")
    plan_revision = models.PositiveIntegerField(default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrective_actions"
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    started_at = models.DateTimeField(null=True, blank=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="actions_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source="finding") | Q(finding__isnull=False),
                name="actions_finding_source_has_finding",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"CA-{self.number:04d}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Work not done (open or in progress) after its due date."""
        today = today or timezone.localdate()
        return self.status in NOT_DONE and self.due_date < today

    def days_overdue(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.due_date).days if self.is_overdue(today) else 0


class PlanRevision(OrgOwned):
    """One version of an action's plan, with why it changed (kept forever)."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    plan = models.TextField()
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["action", "number"], name="actions_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.action.reference} plan r{self.number}"


class EffectivenessReview(OrgOwned):
    """Someone other than the owner judged whether an implemented action worked.

    ``automated`` keeps what the control's automated tests said since the fix at review time
    (empty when the control has no automated test), so the basis of the conclusion survives
    later test runs.
    """

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField()
    method = models.CharField(max_length=30, choices=ReviewMethod.choices)
    conclusion = models.CharField(max_length=20, choices=ReviewConclusion.choices)
    notes = models.TextField()
    evidence = models.ManyToManyField(
        "evidence.EvidenceVersion", related_name="effectiveness_reviews", blank=True
    )
    automated = models.JSONField(default=dict, blank=True)
    plan_revision = models.PositiveIntegerField()  # the plan revision that was reviewed
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action_id", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.action.reference} review: {self.get_conclusion_display()}"


class OverdueNotice(OrgOwned):
    """An overdue reminder about one action sent to one person on one day (at most one)."""

    action = models.ForeignKey(
        CorrectiveAction, on_delete=models.CASCADE, related_name="overdue_notices"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "action_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "recipient", "date"], name="actions_one_notice_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action.reference} overdue notice to {self.recipient} on {self.date}"
