"""API representations of risks, treatment actions, the methodology and assets. People appear
by e-mail address, Annex A controls by id, assets by id (``asset_references`` for the reader).

Each model has one serializer for reading and writing: its choice sets (the risk's and the
treatment action's ``status``, the asset's ``kind`` and ``source``) then appear in one schema
component each, so the schema names them without a collision with other apps' enums.
"""

from __future__ import annotations

from rest_framework import serializers

from annexa.core import api
from annexa.isms.api.serializers import ControlIdField, MemberEmailField
from annexa.orgs.choices import Role
from annexa.risks.choices import TreatmentOption
from annexa.risks.models import Asset, Methodology, Risk, TreatmentAction


class OrgAssetField(serializers.PrimaryKeyRelatedField):
    """An asset of the caller's organization, by id."""

    def get_queryset(self):
        ctx = self.context.get("ctx")
        return Asset.objects.for_org(ctx.org) if ctx is not None else Asset.objects.none()


class ControlListField(serializers.SlugRelatedField):
    """Annex A controls by id (``A.8.5``)."""

    def __init__(self, **kwargs) -> None:
        from annexa.catalog.models import Control

        kwargs.setdefault("slug_field", "id")
        kwargs.setdefault("queryset", Control.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data.strip())


class RiskSerializer(api.ModelSerializer):
    """A risk: its scenario, assessment, treatment and acceptance. Scores, levels and status
    are derived (read-only); ``accept/`` and ``close/`` change the acceptance and status."""

    reference = serializers.CharField(read_only=True)
    owner = MemberEmailField(required=True, allow_null=False)
    assets = OrgAssetField(many=True, required=False)
    asset_references = serializers.SerializerMethodField()
    controls = ControlListField(many=True, required=False)
    treatment = serializers.ChoiceField(
        choices=TreatmentOption.choices, required=False, allow_blank=True
    )
    inherent_level_label = serializers.SerializerMethodField()
    residual_level_label = serializers.SerializerMethodField()
    above_threshold = serializers.SerializerMethodField(
        help_text="The residual score (the inherent one until the residual risk is assessed) "
        "is above the methodology's acceptance threshold."
    )
    accepted_by = serializers.EmailField(
        source="accepted_by.email", read_only=True, default=None, allow_null=True
    )
    review_overdue = serializers.SerializerMethodField()
    methodology = serializers.IntegerField(source="methodology.version", read_only=True)
    updated_by = serializers.EmailField(
        source="updated_by.email", read_only=True, default=None, allow_null=True
    )
    suppliers = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "uid",
            "reference",
            "title",
            "threat",
            "vulnerability",
            "consequence",
            "assets",
            "asset_references",
            "owner",
            "existing_controls",
            "inherent_likelihood",
            "inherent_impact",
            "inherent_score",
            "inherent_level",
            "inherent_level_label",
            "treatment",
            "treatment_plan",
            "controls",
            "residual_likelihood",
            "residual_impact",
            "residual_score",
            "residual_level",
            "residual_level_label",
            "above_threshold",
            "status",
            "accepted_by",
            "accepted_at",
            "acceptance",
            "review_date",
            "review_overdue",
            "last_assessed",
            "methodology",
            "suppliers",
            "version",
            "created_at",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = [
            "id",
            "uid",
            "inherent_score",
            "inherent_level",
            "residual_score",
            "residual_level",
            "status",
            "accepted_at",
            "acceptance",
            "last_assessed",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            name: {"required": False}
            for name in (
                "threat",
                "vulnerability",
                "consequence",
                "existing_controls",
                "treatment_plan",
                "inherent_likelihood",
                "inherent_impact",
                "residual_likelihood",
                "residual_impact",
                "review_date",
            )
        }

    def get_asset_references(self, risk: Risk) -> list[str]:
        return [a.reference for a in risk.assets.all()]

    def get_inherent_level_label(self, risk: Risk) -> str:
        return risk.methodology.label_of(risk.inherent_level) if risk.inherent_level else ""

    def get_residual_level_label(self, risk: Risk) -> str:
        return risk.methodology.label_of(risk.residual_level) if risk.residual_level else ""

    def get_above_threshold(self, risk: Risk) -> bool:
        score = risk.residual_score if risk.residual_score is not None else risk.inherent_score
        return risk.methodology.above_threshold(score)

    def get_review_overdue(self, risk: Risk) -> bool:
        return risk.is_review_overdue()

    def get_suppliers(self, risk: Risk) -> list[str]:
        return [s.name for s in risk.suppliers.all()]


class RiskAcceptSerializer(serializers.Serializer):
    reason = api.TextField(
        required=False, allow_blank=True, default="", max_length=4000, help_text="Why."
    )


class RiskCloseSerializer(serializers.Serializer):
    reason = api.TextField(max_length=4000, help_text="Why the risk no longer applies.")


class TreatmentActionSerializer(api.ModelSerializer):
    """A tracked action of a risk's treatment plan."""

    reference = serializers.CharField(read_only=True)
    risk = serializers.CharField(source="risk.reference", read_only=True)
    owner = MemberEmailField(required=True, allow_null=False)
    control = ControlIdField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentAction
        fields = [
            "id",
            "uid",
            "reference",
            "risk",
            "title",
            "control",
            "owner",
            "due_date",
            "status",
            "done_at",
            "notes",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "uid", "done_at", "created_at", "updated_at"]
        extra_kwargs = {"notes": {"required": False}, "status": {"required": False}}

    def get_overdue(self, action: TreatmentAction) -> bool:
        return action.is_overdue()


# --- the methodology -----------------------------------------------------------------------


class ScaleLevelSerializer(serializers.Serializer):
    value = serializers.IntegerField(min_value=1, max_value=10)
    label = api.TextField(max_length=60)
    description = api.TextField(max_length=500, required=False, allow_blank=True, default="")


class BandSerializer(serializers.Serializer):
    key = api.TextField(max_length=30)
    label = api.TextField(max_length=60)
    min = serializers.IntegerField(min_value=1)
    max = serializers.IntegerField(min_value=1)
    colour = api.TextField(max_length=20, required=False, default="#9aa3b2")
    accept_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False, default=list
    )


class MatrixField(serializers.ListField):
    """``matrix[l - 1][i - 1]``: the score of likelihood ``l`` and impact ``i``."""

    child = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=1000))


class MethodologySerializer(serializers.ModelSerializer):
    """One version of the risk assessment methodology (read-only: versions are superseded,
    never changed)."""

    likelihood = ScaleLevelSerializer(many=True)
    impact = ScaleLevelSerializer(many=True)
    matrix = MatrixField()
    bands = BandSerializer(many=True)
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Methodology
        fields = [
            "version",
            "likelihood",
            "impact",
            "matrix",
            "bands",
            "acceptance_threshold",
            "review_months",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class MethodologyReviseSerializer(serializers.Serializer):
    """A new version: the parts that change (the rest is carried over) and why."""

    likelihood = ScaleLevelSerializer(many=True, required=False)
    impact = ScaleLevelSerializer(many=True, required=False)
    matrix = MatrixField(required=False)
    bands = BandSerializer(many=True, required=False)
    acceptance_threshold = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    review_months = serializers.IntegerField(min_value=1, max_value=60, required=False)
    reason = api.TextField(max_length=4000, help_text="Why the methodology changes.")

    def changes(self) -> dict:
        """The validated changes as plain data, as the methodology stores them."""
        data = {k: v for k, v in self.validated_data.items() if k != "reason"}
        return _plain(data)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class HeatMapCellSerializer(serializers.Serializer):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField(help_text="The band's key.")
    level_label = serializers.CharField()
    colour = serializers.CharField()
    count = serializers.IntegerField(help_text="Open risks in this cell.")


class HeatMapSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="inherent or residual")
    methodology = serializers.IntegerField(help_text="The methodology version.")
    likelihood = serializers.ListField(child=serializers.CharField(), help_text="Row labels.")
    impact = serializers.ListField(child=serializers.CharField(), help_text="Column labels.")
    cells = serializers.ListField(
        child=HeatMapCellSerializer(many=True),
        help_text="cells[likelihood - 1][impact - 1]",
    )
    total = serializers.IntegerField()
    unassessed = serializers.IntegerField(help_text="Open risks not assessed on this basis.")


# --- assets --------------------------------------------------------------------------------


class AssetSerializer(api.ModelSerializer):
    """An entry of the asset inventory. ``classification`` is a label's name."""

    reference = serializers.CharField(read_only=True)
    owner = MemberEmailField()
    classification = api.TextField(required=False, allow_blank=True, allow_null=True, max_length=60)
    value = serializers.IntegerField(read_only=True, help_text="The highest of C, I and A.")
    retired = api.StrictBooleanField(required=False)
    risks = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "uid",
            "reference",
            "name",
            "kind",
            "description",
            "owner",
            "classification",
            "value_c",
            "value_i",
            "value_a",
            "value",
            "location",
            "source",
            "source_reference",
            "confirmed",
            "retired",
            "risks",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "uid",
            "source",
            "source_reference",
            "confirmed",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "description": {"required": False},
            "location": {"required": False},
            "value_c": {"required": False},
            "value_i": {"required": False},
            "value_a": {"required": False},
        }

    def get_risks(self, asset: Asset) -> list[str]:
        return [r.reference for r in asset.risks.all()]


# --- spreadsheet import --------------------------------------------------------------------


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An XLSX workbook or a CSV file (UTF-8).")


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="The sheet's row (header: 1).")
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    errors = ImportProblemSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()
