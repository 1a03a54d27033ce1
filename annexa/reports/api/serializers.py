"""Serializers of the reports API: issued versions with their files, and the report settings."""

from rest_framework import serializers

from annexa.reports.choices import Classification
from annexa.reports.models import IssuedReport, IssuedReportFile, ReportSettings


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
