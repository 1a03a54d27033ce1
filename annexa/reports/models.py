"""The report's settings per audit, and the issued (frozen) versions of a report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annexa.core.tenancy import OrgOwned
from annexa.reports.choices import Classification, ReportFormat

DEFAULT_READERS = (
    "Top management, the ISMS manager, the owners of the audited processes and controls, and "
    "the certification body's auditors."
)
DEFAULT_RETENTION = "Kept for at least three years: the certification cycle plus one year."


class ReportSettings(OrgOwned):
    """Who a report is for and how it is handled (the "Report guidance" section).

    One per audit, created on first edit; until then the defaults of ``for_audit`` apply.
    ``distribution`` holds one recipient per line. ``limitations`` is free text added to the
    "Audit limitations" section after what the report derives from the audit's data.
    """

    audit = models.OneToOneField(
        "audits.Audit", on_delete=models.CASCADE, related_name="report_settings"
    )
    intended_readers = models.TextField(default=DEFAULT_READERS)
    distribution = models.TextField("distribution list", blank=True, help_text="One per line.")
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.CONFIDENTIAL
    )
    retention = models.CharField("retention period", max_length=200, default=DEFAULT_RETENTION)
    limitations = models.TextField("further limitations", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of audit {self.audit_id}"

    @classmethod
    def for_audit(cls, audit) -> ReportSettings:
        """The audit's settings, or unsaved defaults when nobody has edited them yet."""
        found = cls.objects.filter(audit=audit).first()
        return found or cls(organization_id=audit.organization_id, audit=audit)

    @property
    def recipients(self) -> list[str]:
        return [line.strip() for line in self.distribution.splitlines() if line.strip()]


class IssuedReport(OrgOwned):
    """One issued version of an audit's report: every format's exact bytes, kept as evidence.

    ``number`` counts per audit from 1. The bytes are in the evidence store (``files``), so a
    download returns them unchanged and ``annexa verify`` re-hashes them.
    """

    audit = models.ForeignKey("audits.Audit", on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveIntegerField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["audit_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="reports_issued_number_unique")
        ]

    def __str__(self) -> str:
        return f"Report v{self.number} of audit {self.audit_id}"

    def file(self, report_format: str) -> IssuedReportFile | None:
        return next((f for f in self.files.all() if f.format == report_format), None)


class IssuedReportFile(OrgOwned):
    """One format of an issued report and the evidence version holding its bytes."""

    report = models.ForeignKey(IssuedReport, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=10, choices=ReportFormat.choices)
    version = models.ForeignKey(
        "evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["report_id", "format"]
        constraints = [
            models.UniqueConstraint(fields=["report", "format"], name="reports_issued_format_once")
        ]

    def __str__(self) -> str:
        return f"{self.format} of {self.report}"


class ReportReview(OrgOwned):
    """The review of one version of an audit's report, before it may be issued.

    Submitted for review (by the lead auditor or the ISMS manager), marked reviewed by the
    audit's lead auditor, approved by the audit programme's approver (the owner role when the
    programme names none); only then may the report be issued. Issuing links the review to the
    issued version (``report``) and the next version starts a new review.
    """

    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.CASCADE, related_name="report_reviews"
    )
    report = models.OneToOneField(
        IssuedReport, null=True, blank=True, on_delete=models.PROTECT, related_name="review"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    # A review and an approval must keep naming their person: the user row cannot be deleted.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit_id", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit"],
                condition=models.Q(report__isnull=True),
                name="reports_review_one_open_per_audit",
            )
        ]

    def __str__(self) -> str:
        return f"Review of the report of audit {self.audit_id} ({self.state})"

    @property
    def state(self) -> str:
        if self.report_id:
            return "issued"
        if self.approved_at:
            return "approved"
        if self.reviewed_at:
            return "reviewed"
        return "submitted"
