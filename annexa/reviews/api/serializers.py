"""Serializers of the management reviews API. Reading shows the whole record; writing takes
what a person states (dates, e-mail addresses, text) and hands it to the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.findings.api.serializers import OrgSlugField, org_members
from annexa.reviews.models import ManagementReview, ReviewDecision, ReviewInput
from annexa.reviews.services import sign_off_blockers
from annexa.reviews.services.reviews import decisions_in_order, inputs_in_order


def _email(user) -> str | None:
    return user.email if user is not None else None


class ReviewInputSerializer(serializers.ModelSerializer):
    requirement = serializers.CharField(source="requirement_id")
    title = serializers.CharField(source="requirement.title")
    assembled = serializers.JSONField()

    class Meta:
        model = ReviewInput
        fields = [
            "requirement",
            "title",
            "summary",
            "summary_edited",
            "notes",
            "assembled",
            "assembled_at",
        ]
        read_only_fields = fields


class ReviewDecisionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    owner = serializers.EmailField(source="owner.email", default=None, allow_null=True)
    action = serializers.CharField(source="action.reference", default=None, allow_null=True)

    class Meta:
        model = ReviewDecision
        fields = ["number", "reference", "kind", "text", "owner", "due_date", "action"]
        read_only_fields = fields


class ManagementReviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField()
    chair = serializers.EmailField(source="chair.email", default=None, allow_null=True)
    attendees = serializers.SerializerMethodField()
    external_attendees = serializers.ListField(
        child=serializers.CharField(), source="external_list"
    )
    signed_off_by = serializers.EmailField(
        source="signed_off_by.email", default=None, allow_null=True
    )
    minutes = serializers.SerializerMethodField()
    sign_off_blockers = serializers.SerializerMethodField()
    inputs = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "planned_date",
            "held_on",
            "chair",
            "attendees",
            "external_attendees",
            "conclusion",
            "status",
            "frozen_at",
            "signed_off_by",
            "signed_off_at",
            "minutes",
            "sign_off_blockers",
            "inputs",
            "decisions",
        ]
        read_only_fields = fields

    def get_attendees(self, obj: ManagementReview) -> list[str]:
        return sorted(u.email for u in obj.attendees.all())

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_minutes(self, obj: ManagementReview) -> dict:
        """The SHA-256 of the minutes stored at sign-off (empty before)."""
        stored = {"pdf": obj.minutes_pdf, "docx": obj.minutes_docx}
        return {fmt: v.sha256 for fmt, v in stored.items() if v is not None}

    def get_sign_off_blockers(self, obj: ManagementReview) -> list[str]:
        return [] if obj.is_signed_off else sign_off_blockers(obj)

    @extend_schema_field(ReviewInputSerializer(many=True))
    def get_inputs(self, obj: ManagementReview) -> list:
        return ReviewInputSerializer(inputs_in_order(obj), many=True).data

    @extend_schema_field(ReviewDecisionSerializer(many=True))
    def get_decisions(self, obj: ManagementReview) -> list:
        return ReviewDecisionSerializer(decisions_in_order(obj), many=True).data


class ReviewInputWriteSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ManagementReviewWriteSerializer(serializers.Serializer):
    """The header; when editing, ``inputs`` maps requirement ids (``9.3.2.a``) to changes."""

    title = serializers.CharField(max_length=200, required=False)
    planned_date = serializers.DateField(required=False)
    held_on = serializers.DateField(required=False, allow_null=True)
    chair = OrgSlugField(slug_field="email", scope=org_members, required=False, allow_null=True)
    attendees = OrgSlugField(slug_field="email", scope=org_members, many=True, required=False)
    external_attendees = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    conclusion = serializers.CharField(required=False, allow_blank=True)
    inputs = serializers.DictField(child=ReviewInputWriteSerializer(), required=False)


class AssembleSerializer(serializers.Serializer):
    replace_edited = serializers.BooleanField(required=False, default=False)


class HoldSerializer(serializers.Serializer):
    held_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewDecisionWriteSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="improvement, change or resources")
    text = serializers.CharField()
    owner = OrgSlugField(slug_field="email", scope=org_members, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    track = serializers.BooleanField(
        required=False, default=False, help_text="Track it as a corrective action now."
    )


class TrackDecisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)


class AssemblyReportSerializer(serializers.Serializer):
    refreshed = serializers.ListField(child=serializers.CharField())
    kept = serializers.ListField(child=serializers.CharField())
    replaced = serializers.ListField(child=serializers.CharField())
