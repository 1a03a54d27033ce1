"""Management reviews (clause 9.3): the meeting, its inputs assembled from live data, its
decisions, and top management's sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.reviews.choices import DecisionKind, ReviewStatus


class ManagementReview(OrgOwned):
    """One management review: when, who attended, its inputs and decisions, and its sign-off.

    ``reference`` (``MR-2026-01``) is unique in the organization and never reused. Inputs are
    frozen when the review is marked held (``frozen_at``); the next review's "changes since
    the previous review" start from that moment. Signing off freezes the whole record and
    stores the minutes (PDF and DOCX) as evidence. Change it only through
    ``annexa.reviews.services``.
    """

    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    planned_date = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="management_reviews", blank=True
    )
    external_attendees = models.TextField(
        blank=True, help_text="People who are not members, one per line (name and role)."
    )
    conclusion = models.TextField(
        "conclusion on the ISMS",
        blank=True,
        help_text="Whether the ISMS remains suitable, adequate and effective, and why.",
    )
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    minutes_pdf = models.ForeignKey(
        "evidence.EvidenceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes_docx = models.ForeignKey(
        "evidence.EvidenceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-planned_date", "-reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="reviews_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == ReviewStatus.SIGNED_OFF

    def external_list(self) -> list[str]:
        return [line.strip() for line in self.external_attendees.splitlines() if line.strip()]


class ReviewInput(OrgOwned):
    """One input of clause 9.3.2 to one review, keyed by the catalog's requirement id.

    ``assembled`` is what Annexa gathered from live data (see ``annexa.reviews.sources``);
    ``summary`` starts as the assembled summary and is edited by people before the meeting
    (``summary_edited`` then protects it from the next refresh); ``notes`` record the
    discussion.
    """

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="inputs")
    requirement = models.ForeignKey(
        "catalog.Requirement", on_delete=models.PROTECT, related_name="+"
    )
    assembled = models.JSONField(default=dict, blank=True)
    assembled_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    summary_edited = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review_id", "requirement__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "requirement"], name="reviews_one_input_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review.reference} input {self.requirement_id}"


class ReviewDecision(OrgOwned):
    """One output of the review: what was decided, by whom it is carried out, by when.

    A decision with an owner becomes a tracked corrective action (``action``) on sign-off, or
    earlier when someone asks for it.
    """

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    action = models.OneToOneField(
        "actions.CorrectiveAction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_decision",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="reviews_decision_number")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.review.reference} decision {self.number}"
