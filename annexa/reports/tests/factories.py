"""Factories of the reports app for the all-routes access test (``tests/test_access.py``).

``number`` names an issued version (the issued-file routes); ``report_format`` a format.
"""

from __future__ import annotations

from django.utils import timezone

from annexa.audits.tests.factories import make_audit
from annexa.evidence.tests.factories import make_version
from annexa.orgs.models import Organization
from annexa.reports.models import IssuedReport, IssuedReportFile, ReportReview, ReportSettings


def make_settings(org: Organization) -> ReportSettings:
    return ReportSettings.objects.create(
        organization=org, audit=make_audit(org), distribution="Top management"
    )


def make_issued(org: Organization) -> IssuedReport:
    return IssuedReport.objects.create(
        organization=org, audit=make_audit(org), number=1, issued_at=timezone.now()
    )


def make_issued_file(org: Organization) -> IssuedReportFile:
    return IssuedReportFile.objects.create(
        organization=org, report=make_issued(org), format="md", version=make_version(org)
    )


def make_review(org: Organization) -> ReportReview:
    return ReportReview.objects.create(
        organization=org, audit=make_audit(org), submitted_at=timezone.now()
    )


FACTORIES = {
    ReportReview: make_review,
    ReportSettings: make_settings,
    IssuedReport: make_issued,
    IssuedReportFile: make_issued_file,
}
ROUTE_KWARGS = {
    "number": lambda org: 1,
    "report_format": lambda org: "md",
    "step": lambda org: "submit",
}
