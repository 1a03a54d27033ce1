"""API representations of connectors and runs. Secret values are write-only: a response
names which secret fields are set, never their values."""

from __future__ import annotations

from rest_framework import serializers

from annexa.connectors.models import CollectedItem, CollectionRun, Connector


class ConnectorSerializer(serializers.ModelSerializer):
    """Read and write a connector; ``secrets`` is accepted on input only."""

    secrets = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        write_only=True,
        required=False,
        help_text="Secret fields by name; encrypted at rest, never returned. An empty value "
        "keeps the stored secret.",
    )
    clear_secrets = serializers.ListField(
        child=serializers.CharField(), write_only=True, required=False
    )
    secrets_set = serializers.SerializerMethodField()
    config = serializers.DictField(required=False)

    class Meta:
        model = Connector
        fields = [
            "id",
            "uid",
            "name",
            "kind",
            "config",
            "secrets",
            "clear_secrets",
            "secrets_set",
            "enabled",
            "interval_minutes",
            "valid_days",
            "next_run_at",
            "created_at",
        ]
        read_only_fields = ["id", "uid", "next_run_at", "created_at", "secrets_set"]

    def get_secrets_set(self, obj: Connector) -> list[str]:
        return sorted(obj.sealed)


class CollectedItemSerializer(serializers.ModelSerializer):
    evidence = serializers.UUIDField(source="version.evidence.uid", read_only=True)
    version = serializers.UUIDField(source="version.uid", read_only=True)
    sha256 = serializers.CharField(source="version.sha256", read_only=True)
    filename = serializers.CharField(source="version.filename", read_only=True)

    class Meta:
        model = CollectedItem
        fields = [
            "kind",
            "stream",
            "created",
            "records",
            "evidence",
            "version",
            "sha256",
            "filename",
        ]


class CollectionRunSerializer(serializers.ModelSerializer):
    connector = serializers.SlugRelatedField(slug_field="name", read_only=True)
    items = CollectedItemSerializer(many=True, read_only=True)
    test_runs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CollectionRun
        fields = [
            "id",
            "uid",
            "connector",
            "source",
            "kind",
            "trigger",
            "status",
            "queued_at",
            "started_at",
            "finished_at",
            "message",
            "attempt",
            "heartbeat_at",
            "items",
            "test_runs",
        ]


class IngestSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(
        choices=["openscap", "lynis", "ocsf", "accounts", "assets", "training"], required=False
    )
    valid_days = serializers.IntegerField(min_value=1, max_value=366, default=30)
