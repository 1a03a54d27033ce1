"""Serializers of the reports API: issued versions with their files, and the report settings."""

from rest_framework import serializers

from annexa.reports.choices import Classification
from annexa.reports.models import IssuedReport, IssuedReportFile, ReportReview, ReportSettings


class IssuedFileSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="version.sha256")
    size = serializers.IntegerField(source="version.size")
    filename = serializers.CharField(source="version.filename")
    evidence_version = serializers.UUIDField(source="version.uid")

    class Meta:
        model = IssuedReportFile
        fields = ["format", "filename", "size", "sha256", "evidence_version"]


class IssuedReportSerializer(serializers.ModelSerializer):
    audit = serializers.CharField(source="audit.reference")
    issued_by = serializers.EmailField(source="issued_by.email", allow_null=True, default=None)
    files = IssuedFileSerializer(many=True)

    class Meta:
        model = IssuedReport
        fields = ["uid", "audit", "number", "issued_at", "issued_by", "files"]


class ReportSettingsSerializer(serializers.ModelSerializer):
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)

    class Meta:
        model = ReportSettings
        fields = ["intended_readers", "distribution", "classification", "retention", "limitations"]


def _email(source: str) -> serializers.EmailField:
    return serializers.EmailField(source=f"{source}.email", allow_null=True, default=None)


class ReportReviewSerializer(serializers.ModelSerializer):
    """The review of the next version: submitted, reviewed by the lead, approved; then issued."""

    audit = serializers.CharField(source="audit.reference")
    submitted_by = _email("submitted_by")
    reviewed_by = _email("reviewed_by")
    approved_by = _email("approved_by")

    class Meta:
        model = ReportReview
        fields = [
            "uid",
            "audit",
            "state",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "approved_by",
            "approved_at",
        ]
