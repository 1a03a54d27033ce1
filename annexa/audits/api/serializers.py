"""API representations of the audits models. People appear by e-mail address."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.audits.choices import AUDIT_STATUS_ORDER, AuditKind, MilestoneKind, TeamRole
from annexa.audits.models import (
    Audit,
    AuditProgramme,
    ExternalMilestone,
    IndependenceOverride,
    RequirementOwner,
)


@extend_schema_field(OpenApiTypes.EMAIL)
class MemberEmailField(serializers.Field):
    """A member of the request's organization, written and read as an e-mail address."""

    default_error_messages = {
        "not_member": _("{email} is not a member of this organization."),
        "invalid": _("Enter an e-mail address."),
    }

    def to_representation(self, value) -> str | None:
        return value.email if value is not None else None

    def to_internal_value(self, data):
        from annexa.orgs.models import User

        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        email = data.strip().lower()
        org = self.context["ctx"].org
        user = User.objects.filter(email=email, memberships__organization=org).first()
        if user is None:
            self.fail("not_member", email=email)
        return user


class RelatedListField(serializers.ListField):
    """A list written as plain values and read from the instance with ``read``."""

    def __init__(self, *, read, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.read = read

    def get_attribute(self, instance):
        return self.read(instance)


# --- programmes ------------------------------------------------------------------------------


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalMilestone
        fields = ["kind", "date", "notes"]


class ProgrammeAuditSerializer(serializers.ModelSerializer):
    """An audit as listed inside its programme."""

    class Meta:
        model = Audit
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "kind",
            "status",
            "planned_start",
            "planned_end",
        ]


class ProgrammeSerializer(serializers.ModelSerializer):
    """A programme; ``milestones`` maps kind → date (write any of them to move it)."""

    approved_by = MemberEmailField(read_only=True, allow_null=True)
    milestones = serializers.SerializerMethodField()
    audits = ProgrammeAuditSerializer(many=True, read_only=True)
    years = serializers.IntegerField(write_only=True, required=False, min_value=1, max_value=10)
    milestone_dates = serializers.DictField(
        child=serializers.DateField(),
        write_only=True,
        required=False,
        help_text="Dates of external audits by kind: " + ", ".join(MilestoneKind.values),
    )
    plan = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On creation: let the planner propose the audits at once.",
    )

    class Meta:
        model = AuditProgramme
        fields = [
            "id",
            "uid",
            "title",
            "start_date",
            "end_date",
            "years",
            "objectives",
            "risks",
            "criteria",
            "methods",
            "resources",
            "status",
            "approved_by",
            "approved_at",
            "planned_at",
            "plan_basis",
            "milestones",
            "milestone_dates",
            "audits",
            "plan",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "uid",
            "status",
            "approved_at",
            "planned_at",
            "plan_basis",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "title": {"required": False},
            "end_date": {"required": False},
            "criteria": {"required": False},
        }

    @extend_schema_field(serializers.DictField(child=serializers.DateField()))
    def get_milestones(self, obj: AuditProgramme) -> dict:
        return {m.kind: m.date.isoformat() for m in obj.milestones.all()}


class GapReasonSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=20, help_text="A requirement or control id.")
    reason = serializers.CharField()


class CoverageItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["requirement", "control"])
    id = serializers.CharField()
    title = serializers.CharField()
    audits = serializers.ListField(child=serializers.CharField())
    gap = serializers.BooleanField()
    gap_reason = serializers.CharField(allow_null=True)


class CoverageSummarySerializer(serializers.Serializer):
    requirements = serializers.IntegerField()
    controls = serializers.IntegerField()
    audits = serializers.IntegerField()
    gaps = serializers.IntegerField()
    unexplained_gaps = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    summary = CoverageSummarySerializer()
    audits = serializers.ListField(child=serializers.CharField())
    items = CoverageItemSerializer(many=True)


# --- audits ----------------------------------------------------------------------------------


class TeamMemberSerializer(serializers.Serializer):
    user = MemberEmailField()
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)
    justification = serializers.CharField(required=False, allow_blank=True, write_only=True)


class OverrideSerializer(serializers.ModelSerializer):
    auditor = MemberEmailField(read_only=True, allow_null=True)
    recorded_by = MemberEmailField(read_only=True, allow_null=True)

    class Meta:
        model = IndependenceOverride
        fields = [
            "auditor",
            "conflict_key",
            "conflict",
            "justification",
            "recorded_by",
            "recorded_at",
        ]


def attach_scope_ids(audits) -> None:
    """Give each audit its scope's requirement and control ids, in catalog order, read as
    values in two queries (what ``scope_ids`` returns without loading the scope rows)."""
    from annexa.audits.models import AuditControl, AuditRequirement

    by_audit = {a.pk: {"requirements": [], "controls": []} for a in audits}
    for model, field, key in (
        (AuditRequirement, "requirement", "requirements"),
        (AuditControl, "control", "controls"),
    ):
        rows = (
            model.objects.filter(audit_id__in=list(by_audit))
            .order_by(f"{field}__sort_key")
            .values_list("audit_id", f"{field}_id")
        )
        for audit_id, subject in rows:
            by_audit[audit_id][key].append(subject)
    for audit in audits:
        audit.scope_id_lists = by_audit[audit.pk]


def scope_ids(audit, key: str) -> list[str]:
    """The audit's requirement or control ids in scope: attached, else from its rows."""
    attached = getattr(audit, "scope_id_lists", None)
    if attached is not None:
        return attached[key]
    rows = audit.scope_requirements.all() if key == "requirements" else audit.scope_controls.all()
    return [r.requirement_id if key == "requirements" else r.control_id for r in rows]


class AuditSerializer(serializers.ModelSerializer):
    """An audit with its scope as ids, its team, conflicts and overrides."""

    programme = serializers.SlugRelatedField(
        slug_field="uid", queryset=AuditProgramme.objects.none()
    )
    requirements = RelatedListField(
        child=serializers.CharField(),
        read=lambda a: scope_ids(a, "requirements"),
        help_text="Requirement ids in scope.",
    )
    controls = RelatedListField(
        child=serializers.CharField(),
        read=lambda a: scope_ids(a, "controls"),
        help_text="Annex A control ids in scope.",
    )
    units = RelatedListField(
        child=serializers.UUIDField(),
        read=lambda a: [u.uid for u in a.units.all()],
        help_text="Uids of the units and systems in scope.",
    )
    auditees = RelatedListField(
        child=MemberEmailField(), read=lambda a: list(a.auditees.all()), help_text="Members."
    )
    team = serializers.SerializerMethodField()
    overrides = OverrideSerializer(many=True, read_only=True)
    milestone = serializers.SlugRelatedField(slug_field="kind", read_only=True)
    copied_from = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = Audit
        fields = [
            "id",
            "uid",
            "reference",
            "programme",
            "title",
            "kind",
            "status",
            "objectives",
            "criteria",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "limitations",
            "milestone",
            "origin",
            "copied_from",
            "requirements",
            "controls",
            "units",
            "auditees",
            "team",
            "independence_conflicts",
            "overrides",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "uid",
            "reference",
            "status",
            "origin",
            "independence_conflicts",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"kind": {"choices": AuditKind.choices}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ctx = self.context.get("ctx")
        if ctx is not None:
            self.fields["programme"].queryset = AuditProgramme.objects.for_org(ctx.org)

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, obj: Audit) -> list[dict]:
        return [{"user": m.user.email, "role": m.role} for m in obj.team_members.all()]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=AUDIT_STATUS_ORDER)


class ReopenSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=AUDIT_STATUS_ORDER)
    reason = serializers.CharField()


class OverrideRequestSerializer(serializers.Serializer):
    user = MemberEmailField()
    justification = serializers.CharField()


class RemoveMemberSerializer(serializers.Serializer):
    user = MemberEmailField()


class CopySerializer(serializers.Serializer):
    programme = serializers.UUIDField(
        required=False, help_text="The target programme's uid (default: the next programme)."
    )


# --- requirement owners ----------------------------------------------------------------------


class RequirementOwnerSerializer(serializers.ModelSerializer):
    requirement = serializers.CharField(source="requirement_id")
    user = MemberEmailField()
    updated_by = MemberEmailField(read_only=True, allow_null=True)

    class Meta:
        model = RequirementOwner
        fields = ["id", "requirement", "user", "updated_by", "updated_at"]
        read_only_fields = ["id", "updated_at"]
