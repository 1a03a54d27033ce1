"""The audit programme of one certification cycle, its external milestones and coverage gaps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.audits.choices import MilestoneKind, ProgrammeStatus
from annexa.core.tenancy import OrgOwned

DEFAULT_CRITERIA = "ISO/IEC 27001:2022"


class AuditProgramme(OrgOwned):
    """Audits planned across one certification cycle (default three years from ``start_date``).

    The text fields record what the programme is for (objectives), the risks it weighs,
    the criteria audits are held against (the standard plus internal policies), the methods and
    the resources. ``plan_basis`` keeps what the planner knew when it proposed the audits
    (item weights and why), so the plan can be explained later even after the SoA changes.
    """

    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    objectives = models.TextField(blank=True)
    risks = models.TextField("risks and opportunities considered", blank=True)
    criteria = models.TextField(default=DEFAULT_CRITERIA)
    methods = models.TextField(blank=True)
    resources = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    # An approval must keep naming its approver: the user row cannot be deleted under it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    plan_basis = models.JSONField(default=dict, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="audits_programme_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.status == ProgrammeStatus.APPROVED


class ExternalMilestone(OrgOwned):
    """A certification body's audit in the cycle; internal audits are planned before each."""

    programme = models.ForeignKey(
        AuditProgramme, on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    date = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind"], name="audits_milestone_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%Y-%m-%d}"


class CoverageGapReason(OrgOwned):
    """Why a requirement or control is knowingly left unaudited in a programme's cycle.

    Exactly one of ``requirement`` and ``control`` is set. A programme with a gap can only be
    approved once every gap has one of these.
    """

    programme = models.ForeignKey(
        AuditProgramme, on_delete=models.CASCADE, related_name="gap_reasons"
    )
    requirement = models.ForeignKey(
        "catalog.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    control = models.ForeignKey(
        "catalog.Control", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requirement__sort_key", "control__sort_key", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(requirement__isnull=False, control__isnull=True)
                    | Q(requirement__isnull=True, control__isnull=False)
                ),
                name="audits_gap_reason_one_item",
            ),
            models.UniqueConstraint(
                fields=["programme", "requirement"],
                condition=Q(requirement__isnull=False),
                name="audits_gap_reason_requirement_once",
            ),
            models.UniqueConstraint(
                fields=["programme", "control"],
                condition=Q(control__isnull=False),
                name="audits_gap_reason_control_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Gap {self.item_id}: {self.reason[:60]}"

    @property
    def item_id(self) -> str:
        return self.requirement_id or self.control_id or ""


class CalendarFeed(OrgOwned):
    """The secret address from which calendar clients read the organization's audit dates.

    Only the SHA-256 of the token is stored; rotating replaces it, so the old address stops
    working at once.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="audits_one_feed_per_org")
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.organization}"
