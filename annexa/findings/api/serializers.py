"""Serializers of the findings API. Reading shows everything; writing takes what a person
states (ids, e-mail addresses, evidence version uids) and hands it to the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.findings.choices import FindingGrade, GapNature
from annexa.findings.models import Finding


def _email(user) -> str | None:
    return user.email if user is not None else None


class FindingSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    requirement = serializers.CharField(source="requirement_id", read_only=True)
    control = serializers.CharField(source="control_id", read_only=True)
    evidence = serializers.SerializerMethodField()
    auditees = serializers.SerializerMethodField()
    raised_in = serializers.CharField(
        source="raised_in.reference", default=None, read_only=True, allow_null=True
    )
    closed_in = serializers.CharField(
        source="closed_in.reference", default=None, read_only=True, allow_null=True
    )
    raised_by = serializers.SerializerMethodField()
    opened_by = serializers.SerializerMethodField()
    acknowledged_by = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()
    corrective_actions = serializers.SerializerMethodField()
    age_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "grade",
            "status",
            "origin",
            "requirement",
            "control",
            "requirement_statement",
            "statement",
            "nature",
            "evidence",
            "auditees",
            "checklist_item",
            "raised_in",
            "closed_in",
            "raised_by",
            "raised_at",
            "opened_by",
            "opened_at",
            "acknowledged_by",
            "acknowledged_at",
            "closed_by",
            "closed_at",
            "closure_note",
            "source_detail",
            "corrective_actions",
            "age_days",
        ]
        read_only_fields = fields

    def get_evidence(self, obj: Finding) -> list[str]:
        return sorted(str(v.uid) for v in obj.evidence.all())

    def get_auditees(self, obj: Finding) -> list[str]:
        return sorted(u.email for u in obj.auditees.all())

    def get_raised_by(self, obj: Finding) -> str | None:
        return _email(obj.raised_by)

    def get_opened_by(self, obj: Finding) -> str | None:
        return _email(obj.opened_by)

    def get_acknowledged_by(self, obj: Finding) -> str | None:
        return _email(obj.acknowledged_by)

    def get_closed_by(self, obj: Finding) -> str | None:
        return _email(obj.closed_by)

    def get_corrective_actions(self, obj: Finding) -> list[str]:
        # .all(), not values_list: the list and detail views prefetch the actions.
        return [f"CA-{action.number:04d}" for action in obj.corrective_actions.all()]


def org_versions(org):
    from annexa.evidence.models import EvidenceVersion

    return EvidenceVersion.objects.filter(organization=org)


def org_members(org):
    from annexa.orgs.models import User

    return User.objects.filter(memberships__organization=org)


@extend_schema_field(OpenApiTypes.STR)
class OrgSlugField(serializers.SlugRelatedField):
    """A relation looked up by a slug among the caller's organization's objects only."""

    def __init__(self, *, scope, **kwargs) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        ctx = self.context.get("ctx")
        return self.scope(ctx.org if ctx is not None else None)


class FindingWriteSerializer(serializers.Serializer):
    """What a person states in a finding; ``audit`` (a reference) only when raising."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=FindingGrade.choices, required=False)
    requirement = serializers.CharField(max_length=20, required=False, allow_blank=True)
    control = serializers.CharField(max_length=20, required=False, allow_blank=True)
    requirement_statement = serializers.CharField(required=False, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True)
    nature = serializers.ChoiceField(choices=GapNature.choices, required=False, allow_blank=True)
    evidence = OrgSlugField(
        slug_field="uid", many=True, required=False, scope=org_versions, help_text="Version uids."
    )
    auditees = OrgSlugField(
        slug_field="email", many=True, required=False, scope=org_members, help_text="E-mails."
    )
    audit = serializers.CharField(max_length=20, required=False, help_text="Audit reference.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Why: required when the grade of an open finding changes (kept in the ledger).",
    )


class FromItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="The checklist item's id.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requirement_statement = serializers.CharField(required=False, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True)
    nature = serializers.ChoiceField(choices=GapNature.choices, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField()
    closed_in = serializers.CharField(
        required=False, allow_blank=True, help_text="Reference of the follow-up or later audit."
    )


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.CharField()
    actor = serializers.CharField()
    action = serializers.CharField()
    details = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
