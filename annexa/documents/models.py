"""Documented information (7.5): the document register, each document's versions through
draft, review and approval, and acknowledgement campaigns of approved versions.

A ``Document`` is one controlled document (a policy, a procedure, a record…) with its owner,
reviewers, approver, classification, the clauses and Annex A controls it addresses and its
review interval. Its content lives in ``DocumentVersion`` rows: Markdown written in Annexa or
an uploaded file; the file, and the Markdown of an approved version, are stored in the
evidence locker, so what was approved is tamper-evident. An ``AckCampaign`` asks a set of
people to confirm they have read one approved version; ``Acknowledgement`` is each person's
confirmation. Change everything through ``annexa.documents.services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.documents.choices import (
    AckMethod,
    ContentKind,
    DocumentKind,
    DocumentStatus,
    Threshold,
    VersionState,
)

_USER = settings.AUTH_USER_MODEL


class Document(OrgOwned):
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewers = models.ManyToManyField(_USER, blank=True, related_name="+")
    approver = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classification = models.ForeignKey(
        "risks.Classification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clauses = models.ManyToManyField("catalog.Requirement", blank=True, related_name="+")
    controls = models.ManyToManyField("catalog.Control", blank=True, related_name="+")
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    review_months = models.PositiveSmallIntegerField(
        default=12, help_text="Months between reviews of the approved document."
    )
    next_review = models.DateField(null=True, blank=True)
    approved_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.CharField(max_length=60, blank=True)
    retired_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="documents_number_once")
        ]
        indexes = [models.Index(fields=["organization", "status", "next_review"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"DOC-{self.number:03d}"

    def review_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == DocumentStatus.APPROVED
            and self.next_review is not None
            and self.next_review < today
        )


class DocumentVersion(OrgOwned):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    major = models.PositiveSmallIntegerField()
    minor = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=20, choices=VersionState.choices, default=VersionState.DRAFT
    )
    content_kind = models.CharField(max_length=20, choices=ContentKind.choices)
    markdown = models.TextField(blank=True)
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_summary = models.TextField(blank=True)
    author = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["document_id", "-major", "-minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "major", "minor"], name="documents_version_label_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.reference} v{self.label}"

    @property
    def label(self) -> str:
        return f"{self.major}.{self.minor}"


class AckCampaign(OrgOwned):
    """People asked to confirm they have read one approved version, by a date."""

    number = models.PositiveIntegerField()
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="campaigns")
    document_version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, related_name="campaigns"
    )
    due_date = models.DateField()
    audience = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="documents_campaign_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.document.reference} v{self.document_version.label}"

    @property
    def reference(self) -> str:
        return f"ACK-{self.number:03d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Acknowledgement(OrgOwned):
    """One person of a campaign: pending until ``acknowledged_on`` is set."""

    campaign = models.ForeignKey(
        AckCampaign, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="document_acknowledgements"
    )
    acknowledged_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=AckMethod.choices, blank=True)
    recorded_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["campaign_id", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="documents_ack_once")
        ]


class ReviewNotice(OrgOwned):
    """A review reminder sent: one per document, review date, threshold and recipient."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(_USER, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    threshold = models.CharField(max_length=20, choices=Threshold.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "recipient", "due_date", "threshold"],
                name="documents_review_notice_once",
            )
        ]


class AckNotice(OrgOwned):
    """An acknowledgement reminder sent to a person: one per threshold."""

    acknowledgement = models.ForeignKey(
        Acknowledgement, on_delete=models.CASCADE, related_name="notices"
    )
    threshold = models.CharField(max_length=20, choices=Threshold.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["acknowledgement", "threshold"], name="documents_ack_notice_once"
            )
        ]
