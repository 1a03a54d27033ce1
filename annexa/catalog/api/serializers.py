"""Read-only representations of the catalog for ``/api/v1/catalog/``."""

from __future__ import annotations

from rest_framework import serializers

from annexa.catalog.choices import ATTRIBUTES
from annexa.catalog.models import Control, LegacyControl, Requirement


def _values(name: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=ATTRIBUTES[name]), read_only=True
    )


class AttributesSerializer(serializers.Serializer):
    """The five ISO/IEC 27002:2022 attribute sets of a control."""

    control_type = _values("control_type")
    security_properties = _values("security_properties")
    cybersecurity_concepts = _values("cybersecurity_concepts")
    operational_capabilities = _values("operational_capabilities")
    security_domains = _values("security_domains")


class ControlSerializer(serializers.ModelSerializer):
    theme_label = serializers.CharField(source="get_theme_display", read_only=True)
    attributes = AttributesSerializer(source="*", read_only=True)
    questions = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = serializers.ListField(child=serializers.CharField(), read_only=True)
    sources_2013 = serializers.SlugRelatedField(
        source="legacy_controls", slug_field="id", many=True, read_only=True
    )

    class Meta:
        model = Control
        fields = [
            "id",
            "title",
            "theme",
            "theme_label",
            "new_in_2022",
            "attributes",
            "questions",
            "evidence",
            "sources_2013",
        ]
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="id", read_only=True, allow_null=True)
    questions = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Requirement
        fields = [
            "id",
            "title",
            "parent",
            "kind",
            "clause",
            "auditable",
            "amendment",
            "mandatory_document",
            "questions",
            "evidence",
        ]
        read_only_fields = fields


class LegacyControlSerializer(serializers.ModelSerializer):
    maps_to = serializers.SlugRelatedField(
        source="controls", slug_field="id", many=True, read_only=True
    )

    class Meta:
        model = LegacyControl
        fields = ["id", "title", "maps_to"]
        read_only_fields = fields
