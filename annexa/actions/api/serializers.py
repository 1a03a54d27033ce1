"""Serializers of the corrective-actions API."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.actions.choices import ActionSource, ReviewConclusion, ReviewMethod
from annexa.actions.models import CorrectiveAction, EffectivenessReview, PlanRevision
from annexa.findings.api.serializers import OrgSlugField, org_members, org_versions


def org_findings(org):
    from annexa.findings.models import Finding

    return Finding.objects.filter(organization=org)


@extend_schema_field(OpenApiTypes.INT)
class OrgPKField(serializers.PrimaryKeyRelatedField):
    """A relation by id among the caller's organization's objects only."""

    def __init__(self, *, scope, **kwargs) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        ctx = self.context.get("ctx")
        return self.scope(ctx.org if ctx is not None else None)


class RevisionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.EmailField(source="recorded_by.email", default=None, allow_null=True)

    class Meta:
        model = PlanRevision
        fields = ["number", "plan", "reason", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.EmailField(source="reviewer.email")
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = EffectivenessReview
        fields = [
            "reviewer",
            "reviewed_on",
            "method",
            "conclusion",
            "notes",
            "evidence",
            "automated",
            "plan_revision",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_evidence(self, obj: EffectivenessReview) -> list[str]:
        return sorted(str(v.uid) for v in obj.evidence.all())


class ActionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    finding = serializers.CharField(source="finding.reference", default=None, allow_null=True)
    control = serializers.CharField(source="control_id")
    requirement = serializers.CharField(source="requirement_id")
    owner = serializers.EmailField(source="owner.email")
    closed_by = serializers.EmailField(source="closed_by.email", default=None, allow_null=True)
    overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    revisions = RevisionSerializer(many=True)
    reviews = ReviewSerializer(many=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "source",
            "finding",
            "finding_id",
            "source_reference",
            "control",
            "requirement",
            "correction",
            "root_cause",
            "five_whys",
            "plan",
            "plan_revision",
            "owner",
            "due_date",
            "status",
            "overdue",
            "days_overdue",
            "started_at",
            "implemented_at",
            "closed_at",
            "closed_by",
            "created_at",
            "revisions",
            "reviews",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: CorrectiveAction) -> bool:
        return obj.is_overdue()

    def get_days_overdue(self, obj: CorrectiveAction) -> int:
        return obj.days_overdue()


class WhySerializer(serializers.Serializer):
    why = serializers.CharField(allow_blank=True)
    because = serializers.CharField(allow_blank=True, required=False, default="")


class ActionWriteSerializer(serializers.Serializer):
    """Creating: ``finding`` (its id) or a ``source``; editing: ``reason`` for a new plan."""

    finding = OrgPKField(scope=org_findings, required=False, allow_null=True)
    source = serializers.ChoiceField(choices=ActionSource.choices, required=False)
    source_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False)
    control = serializers.CharField(max_length=20, required=False, allow_blank=True)
    requirement = serializers.CharField(max_length=20, required=False, allow_blank=True)
    correction = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField(required=False, allow_blank=True)
    five_whys = WhySerializer(many=True, required=False)
    plan = serializers.CharField(required=False)
    owner = OrgSlugField(slug_field="email", scope=org_members, required=False)
    due_date = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RootCauseSerializer(serializers.Serializer):
    root_cause = serializers.CharField(allow_blank=True, required=False, default="")
    five_whys = WhySerializer(many=True, required=False, default=list)


class StepNoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class ReviewWriteSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ReviewMethod.choices)
    conclusion = serializers.ChoiceField(choices=ReviewConclusion.choices)
    notes = serializers.CharField()
    reviewed_on = serializers.DateField(required=False)
    evidence = OrgSlugField(slug_field="uid", many=True, required=False, scope=org_versions)
    new_plan = serializers.CharField(required=False, allow_blank=True, default="")
