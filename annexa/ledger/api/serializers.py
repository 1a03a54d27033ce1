"""The ledger as JSON: entries exactly as hashed, checkpoints exactly as signed."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annexa.ledger import format as fmt
from annexa.ledger.models import Checkpoint, LedgerEntry


class LedgerEntrySerializer(serializers.ModelSerializer):
    data = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = list(fmt.STORED_COLUMNS)
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, entry: LedgerEntry) -> object:
        return json.loads(entry.data)


class CheckpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = Checkpoint
        fields = ["tree_size", "root_hash", "time", "signature", "key_id"]
        read_only_fields = fields


class InclusionProofSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    leaf_index = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    entry_hash = serializers.CharField()
    checkpoint = CheckpointSerializer()
    path = serializers.ListField(child=serializers.CharField())


class PublicKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    pem = serializers.CharField()
