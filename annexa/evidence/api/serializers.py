"""API representations of evidence, and the input of uploads, new versions and link changes."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.evidence.forms import split_ids
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.services import MAX_VALID_DAYS


class VersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    freshness = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceVersion
        fields = [
            "id",
            "uid",
            "number",
            "sha256",
            "size",
            "media_type",
            "filename",
            "source",
            "source_detail",
            "collected_at",
            "effective_date",
            "valid_until",
            "freshness",
            "note",
            "created_by",
            "download_url",
        ]

    def get_freshness(self, version: EvidenceVersion) -> str:
        return str(version.freshness())

    def get_download_url(self, version: EvidenceVersion) -> str:
        ctx = self.context.get("ctx")
        slug = ctx.org.slug if ctx is not None else version.organization.slug
        return reverse("evidence-api:download", kwargs={"org": slug, "pk": version.pk})


class EvidenceSerializer(serializers.ModelSerializer):
    controls = serializers.SlugRelatedField(slug_field="id", many=True, read_only=True)
    requirements = serializers.SlugRelatedField(slug_field="id", many=True, read_only=True)
    current_version = VersionSerializer(read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "uid",
            "title",
            "description",
            "controls",
            "requirements",
            "created_at",
            "current_version",
        ]


class EvidenceDetailSerializer(EvidenceSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "versions"]


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class IdListField(serializers.Field):
    """A list of catalog ids: a JSON array, repeated form fields, or one comma-separated text."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return dictionary.getlist(self.field_name)
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data) -> list[str]:
        values = data if isinstance(data, list) else [data]
        if not all(isinstance(value, str) for value in values):
            raise serializers.ValidationError("give identifiers as strings")
        return [item for value in values for item in split_ids(value)]

    def to_representation(self, value) -> list[str]:
        return list(value)


class ContentInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The content (multipart).")
    filename = serializers.CharField(
        required=False, max_length=255, help_text="The original name, if not the upload's own."
    )
    effective_date = serializers.DateField(required=False, allow_null=True)
    valid_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_VALID_DAYS
    )


class UploadSerializer(ContentInputSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    controls = IdListField(required=False)
    requirements = IdListField(required=False)


class NewVersionSerializer(ContentInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LinkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["link", "unlink"], default="link")
    controls = IdListField(required=False)
    requirements = IdListField(required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("controls") and not attrs.get("requirements"):
            raise serializers.ValidationError("name at least one control or requirement")
        return attrs
