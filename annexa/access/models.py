"""Access reviews (A.5.15, A.5.18, A.8.2).

An ``AccessReview`` is one campaign over one system's accounts. When it opens, each ``Account``
of the system (people app) is copied into a ``ReviewItem``: the reviewer decides on what they
saw, even if the system changes later. Each item names its reviewer (the system owner, or the
account holder's manager); the decision, the self-review confirmation and the revocation's
progress live on the item, and every change is in the ledger. Closing the campaign freezes the
full decision record as evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.access.choices import Decision, OrphanReason, ReviewerMode, ReviewStatus, Revocation
from annexa.core.tenancy import OrgOwned

CONTROLS = ("A.5.15", "A.5.18", "A.8.2")


class AccessReview(OrgOwned):
    number = models.PositiveIntegerField()
    system = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reviewer_mode = models.CharField(max_length=20, choices=ReviewerMode.choices)
    # Reviews every account in "system owner" mode, and those without a manager otherwise.
    system_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The decision record frozen at close: JSON (the evidence) and the same as CSV.
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_csv = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organization_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="access_review_number"),
            models.UniqueConstraint(
                fields=["organization", "system"],
                condition=models.Q(status="open"),
                name="access_review_one_open_per_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.system}"

    @property
    def reference(self) -> str:
        return f"AR-{self.number:03d}"

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


class ReviewItem(OrgOwned):
    """One account as it stood when the campaign opened (or its list was last imported),
    with the reviewer's decision and the revocation's progress."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey(
        "people.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    person_name = models.CharField(max_length=200, blank=True)
    entitlements = models.JSONField(default=list, blank=True)
    privileged = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    last_login = models.DateTimeField(null=True, blank=True)
    orphan = models.CharField(max_length=20, choices=OrphanReason.choices, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The reviewer holds this account themselves (Person.user is the reviewer).
    self_review = models.BooleanField(default=False)

    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    revocation = models.CharField(max_length=10, choices=Revocation.choices, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_note = models.CharField(max_length=500, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_how = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["review_id", "username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "username"], name="access_item_once")
        ]
        indexes = [models.Index(fields=["review", "decision"])]

    def __str__(self) -> str:
        return f"{self.username} ({self.review.reference})"

    @property
    def awaiting_confirmation(self) -> bool:
        return bool(self.decision) and self.self_review and self.confirmed_at is None

    @property
    def is_decided(self) -> bool:
        return bool(self.decision) and not self.awaiting_confirmation

    @property
    def state(self) -> str:
        if not self.decision:
            return "undecided"
        if self.awaiting_confirmation:
            return "awaiting confirmation"
        return self.get_decision_display()


class ReviewNotice(OrgOwned):
    """A reminder about one open campaign sent to one reviewer on one day (at most one), as
    ``risks.TreatmentNotice`` is for treatment actions (``access.reminders``). The campaign is
    named ``action``: the shared send-once rule (``core.reminders.notify_once``) calls the
    reminded item so."""

    action = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "action_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "recipient", "date"], name="access_review_notice_a_day"
            )
        ]
