"""API representations of the isms models. People appear by e-mail address."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.core import api
from annexa.isms.choices import ImplementationStatus, ObjectiveStatus
from annexa.isms.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    OrgUnit,
    ScopeStatement,
    SoAApproval,
    SoAEntry,
)
from annexa.isms.progress import Progress, progress_of
from annexa.isms.services.objectives import EDITABLE


@extend_schema_field(OpenApiTypes.EMAIL)
class MemberEmailField(serializers.Field):
    """A member of the request's organization, written and read as an e-mail address."""

    default_error_messages = {
        "not_member": _("{email} is not a member of this organization."),
        "invalid": _("Enter an e-mail address."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return value.email if value is not None else None

    def to_internal_value(self, data):
        from annexa.orgs.models import User

        if not isinstance(data, str):
            self.fail("invalid")
        email = data.strip().lower()
        if not email:
            return None
        org = self.context["ctx"].org
        user = User.objects.filter(email=email, memberships__organization=org).first()
        if user is None:
            self.fail("not_member", email=email)
        return user


class ContextIssueSerializer(api.ModelSerializer):
    class Meta:
        model = ContextIssue
        fields = [
            "id",
            "uid",
            "kind",
            "description",
            "effect",
            "climate_related",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "uid", "created_at", "updated_at"]


class InterestedPartySerializer(api.ModelSerializer):
    class Meta:
        model = InterestedParty
        fields = [
            "id",
            "uid",
            "name",
            "requirements",
            "addressed_through_isms",
            "relevant",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "uid", "created_at", "updated_at"]
        # Uniqueness per organization is checked by the service, which knows the organization.
        validators: list = []


class OrgUnitSerializer(serializers.ModelSerializer):
    manager = MemberEmailField()

    class Meta:
        model = OrgUnit
        fields = ["id", "uid", "name", "kind", "description", "manager", "created_at", "updated_at"]
        read_only_fields = ["id", "uid", "created_at", "updated_at"]
        validators: list = []


class SoAEntrySerializer(serializers.ModelSerializer):
    control_id = serializers.CharField(read_only=True)
    control_title = serializers.CharField(source="control.title", read_only=True)
    theme = serializers.CharField(source="control.theme", read_only=True)
    implementation_status = serializers.ChoiceField(
        source="status", choices=ImplementationStatus.choices, required=False
    )
    control_owner = MemberEmailField()
    updated_by = serializers.EmailField(
        source="updated_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = SoAEntry
        fields = [
            "control_id",
            "control_title",
            "theme",
            "applicable",
            "justification",
            "implementation_status",
            "control_owner",
            "notes",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["version", "updated_at"]
        extra_kwargs = {
            "applicable": {"required": False},
            "justification": {"required": False},
            "notes": {"required": False},
        }


class ScopeExclusionSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=500)
    reason = serializers.CharField(max_length=2000)


class ScopeUnitSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField()


class ScopeStatementSerializer(serializers.ModelSerializer):
    in_scope = ScopeUnitSerializer(many=True, read_only=True)
    exclusions = ScopeExclusionSerializer(many=True, read_only=True)
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )
    approved_by = serializers.EmailField(
        source="approved_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ScopeStatement
        fields = [
            "uid",
            "version",
            "text",
            "boundaries",
            "in_scope",
            "exclusions",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields


class ScopeVersionSummarySerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )
    approved_by = serializers.EmailField(
        source="approved_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ScopeStatement
        fields = ["version", "created_by", "created_at", "approved_by", "approved_at"]
        read_only_fields = fields


class ScopeOverviewSerializer(serializers.Serializer):
    current = ScopeStatementSerializer(allow_null=True)
    versions = ScopeVersionSummarySerializer(many=True)


class ScopeWriteSerializer(serializers.Serializer):
    """A new version: ``units`` are the uids of the organization's units in scope."""

    text = api.TextField()
    boundaries = api.TextField(required=False, allow_blank=True, default="")
    units = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    exclusions = ScopeExclusionSerializer(many=True, required=False, default=list)

    def validate_units(self, uids: list) -> list[OrgUnit]:
        org = self.context["ctx"].org
        units = list(OrgUnit.objects.for_org(org).filter(uid__in=uids))
        missing = {str(u) for u in uids} - {str(u.uid) for u in units}
        if missing:
            raise serializers.ValidationError(
                f"No unit of this organization has the uid {', '.join(sorted(missing))}."
            )
        return units


class ScopeApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you read (must be the current)."
    )


class SoAImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An XLSX sheet, e.g. from soa/export.xlsx.")


class SoAImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class SoAImportErrorsSerializer(serializers.Serializer):
    errors = SoAImportRowErrorSerializer(many=True)


class SoAImportResultSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()


@extend_schema_field(OpenApiTypes.STR)
class ControlIdField(serializers.Field):
    """An Annex A control, written and read by its id (``A.8.8``)."""

    default_error_messages = {
        "unknown": _("Unknown control {value}: use an Annex A id such as A.5.1."),
        "invalid": _("Enter a control id such as A.5.1."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return value.id if value is not None else None

    def to_internal_value(self, data):
        from annexa.catalog.models import Control

        if not isinstance(data, str):
            self.fail("invalid")
        if not data.strip():
            return None
        control = Control.objects.filter(pk=data.strip()).first()
        if control is None:
            self.fail("unknown", value=data.strip())
        return control


class ObjectiveMeasurementSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, normalize_output=True
    )
    recorded_by = serializers.EmailField(
        source="recorded_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ObjectiveMeasurement
        fields = ["uid", "measured_on", "value", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["uid", "recorded_by", "recorded_at"]
        extra_kwargs = {"note": {"required": False}}


class ObjectiveSerializer(serializers.ModelSerializer):
    """An objective with where it stands: the latest measurement, trend and target check."""

    reference = serializers.CharField(read_only=True)
    control = ControlIdField()
    owner = MemberEmailField()
    target_value = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, normalize_output=True
    )
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices, required=False)
    updated_by = serializers.EmailField(
        source="updated_by.email", read_only=True, default=None, allow_null=True
    )
    latest_measurement = serializers.SerializerMethodField()
    trend = serializers.SerializerMethodField(
        help_text="improving, worsening or unchanged between the last two values; null before"
    )
    target_met = serializers.SerializerMethodField(
        help_text="whether the latest value reaches the numeric target; null without either"
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "uid",
            "reference",
            *EDITABLE,
            "withdrawn_reason",
            "version",
            "latest_measurement",
            "trend",
            "target_met",
            "overdue",
            "created_at",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["id", "uid", "withdrawn_reason", "version", "created_at", "updated_at"]
        extra_kwargs = {
            name: {"required": False}
            for name in ("title", "serves", "measure", "target", "unit", "direction", "due_date")
        }

    def _progress(self, objective: Objective) -> Progress:
        known = self.context.setdefault("progress", {})
        if objective.pk not in known:
            known.update(progress_of([objective]))
        return known[objective.pk]

    @extend_schema_field(ObjectiveMeasurementSerializer(allow_null=True))
    def get_latest_measurement(self, objective: Objective) -> dict | None:
        latest = self._progress(objective).latest
        return ObjectiveMeasurementSerializer(latest).data if latest is not None else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_trend(self, objective: Objective) -> str | None:
        return self._progress(objective).trend

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_target_met(self, objective: Objective) -> bool | None:
        return self._progress(objective).target_met

    def get_overdue(self, objective: Objective) -> bool:
        return objective.is_overdue()


class ObjectiveWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the objective no longer applies.")


class SoAApproveSerializer(serializers.Serializer):
    note = api.TextField(required=False, allow_blank=True, default="", max_length=2000)


class SoAApprovalSerializer(serializers.ModelSerializer):
    approved_by = serializers.EmailField(source="approved_by.email")

    class Meta:
        model = SoAApproval
        fields = ["uid", "number", "approved_by", "approved_at", "note", "snapshot_sha256"]
