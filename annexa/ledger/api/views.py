"""``/api/v1/orgs/<org>/ledger/``: entries, checkpoints, verification, inclusion proofs."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.core.api import OrgAPIMixin
from annexa.ledger import keys, proofs, services
from annexa.ledger.api.serializers import (
    CheckpointSerializer,
    InclusionProofSerializer,
    LedgerEntrySerializer,
    PublicKeySerializer,
)
from annexa.ledger.blobs import default_opener
from annexa.ledger.models import Checkpoint, LedgerEntry
from annexa.ledger.verifier import key_id_of
from annexa.ledger.verify import instance_public_key, verify_org

FILTERS = ("object_type", "object_id", "actor", "action")


class EntryListView(OrgAPIMixin, generics.ListAPIView):
    """Entries, newest first; filter with ?object_type=, ?object_id=, ?actor=, ?action=."""

    queryset = LedgerEntry.objects.all()
    serializer_class = LedgerEntrySerializer

    @extend_schema(parameters=[OpenApiParameter(name, str) for name in FILTERS])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        entries = super().get_queryset().order_by("-seq")
        for name in FILTERS:
            if self.request.query_params.get(name):
                entries = entries.filter(**{name: self.request.query_params[name]})
        return entries

    def known_count(self) -> int | None:
        """Every entry: the head's number (``services.entry_count``); filtered: counted."""
        if any(self.request.query_params.get(name) for name in FILTERS):
            return None
        return services.entry_count(self.ctx.org)


class EntryDetailView(OrgAPIMixin, generics.RetrieveAPIView):
    """One entry by its sequence number."""

    queryset = LedgerEntry.objects.all()
    serializer_class = LedgerEntrySerializer
    lookup_field = "seq"


class InclusionProofView(OrgAPIMixin, APIView):
    """The audit path proving entry ``seq`` is in the latest checkpoint's tree (RFC 9162)."""

    @extend_schema(responses=InclusionProofSerializer)
    def get(self, request: Request, org: str, seq: int) -> Response:
        if not LedgerEntry.objects.for_org(self.ctx.org).filter(seq=seq).exists():
            raise Http404
        try:
            proof = proofs.inclusion_proof(self.ctx.org, seq)
        except services.LedgerError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(InclusionProofSerializer(proof).data)


class CheckpointListView(OrgAPIMixin, generics.ListCreateAPIView):
    """Signed checkpoints, newest first; POST signs one now (201, or 200 if nothing changed)."""

    queryset = Checkpoint.objects.all()
    serializer_class = CheckpointSerializer
    permission_required = "ledger.checkpoint"

    def get_queryset(self):
        return super().get_queryset().order_by("-tree_size")

    @extend_schema(request=None, responses=CheckpointSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        before = services.latest_checkpoint(self.ctx.org)
        try:
            checkpoint = services.create_checkpoint(self.ctx)
        except services.LedgerError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        if checkpoint is None:
            return Response(
                {"detail": "the ledger is empty: nothing to checkpoint"},
                status=status.HTTP_409_CONFLICT,
            )
        created = before is None or checkpoint.pk != before.pk
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(CheckpointSerializer(checkpoint).data, status=code)


class VerifyView(OrgAPIMixin, APIView):
    """Recompute everything now and return the report (``ok`` false on any tampering)."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request, org: str) -> Response:
        return Response(verify_org(self.ctx.org, default_opener()).as_dict())


class PublicKeyView(OrgAPIMixin, APIView):
    """The key checkpoints are signed with: its id and PEM."""

    @extend_schema(responses=PublicKeySerializer)
    def get(self, request: Request, org: str) -> Response:
        key = instance_public_key()
        if key is None:
            raise Http404("this instance has no signing key yet")
        data = {"key_id": key_id_of(key), "pem": keys.public_key_pem(key).decode("ascii")}
        return Response(PublicKeySerializer(data).data)
