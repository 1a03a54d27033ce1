"""Evidence API: list (filters) and upload, retrieve, new version, download, link controls."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annexa.core.api import JSONParser, OrgAPIMixin
from annexa.core.limits import body_limit
from annexa.evidence import services
from annexa.evidence.api.serializers import (
    EvidenceDetailSerializer,
    EvidenceSerializer,
    LinkSerializer,
    NewVersionSerializer,
    UploadSerializer,
    VersionSerializer,
)
from annexa.evidence.downloads import attachment_response
from annexa.evidence.errors import EvidenceError, Rejected
from annexa.evidence.filters import filter_evidence
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.uploads import content_of, limit_uploads


def _refused(exc: EvidenceError) -> Response:
    code = "rejected" if isinstance(exc, Rejected) else "invalid"
    return Response({"detail": str(exc), "code": code}, status=status.HTTP_400_BAD_REQUEST)


class _UploadMixin:
    """Installs the size-limited upload handler before DRF parses the body."""

    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.upload_handler = limit_uploads(request)
        return super().initialize_request(request, *args, **kwargs)

    def validated(self, serializer_class) -> tuple[dict | None, Response | None]:
        serializer = serializer_class(data=self.request.data)
        if self.upload_handler.too_large is not None:
            detail = {"detail": str(self.upload_handler.too_large), "code": "too_large"}
            return None, Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data, None


@body_limit("UPLOAD_MAX_BYTES")
class EvidenceListAPI(_UploadMixin, OrgAPIMixin, generics.ListAPIView):
    """GET: evidence with ``control``, ``requirement``, ``source``, ``freshness``, ``q`` filters.
    POST (multipart): upload new evidence; returns it with its first version (201)."""

    queryset = Evidence.objects.all()
    serializer_class = EvidenceSerializer
    permission_required = services.PERMISSION

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("current_version", "organization", "current_version__created_by")
            .prefetch_related("controls", "requirements")
        )
        queryset, form = filter_evidence(queryset, self.request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        return queryset

    @extend_schema(request=UploadSerializer, responses={201: EvidenceDetailSerializer})
    def post(self, request, *args, **kwargs):
        data, error = self.validated(UploadSerializer)
        if error is not None:
            return error
        upload = data["file"]
        try:
            version = services.store(
                self.ctx,
                **content_of(upload),
                filename=data.get("filename") or upload.name,
                title=data.get("title", ""),
                description=data.get("description", ""),
                controls=data.get("controls", []),
                requirements=data.get("requirements", []),
                effective_date=data.get("effective_date"),
                valid_days=data.get("valid_days"),
            )
        except EvidenceError as exc:
            return _refused(exc)
        body = EvidenceDetailSerializer(version.evidence, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


class EvidenceDetailAPI(OrgAPIMixin, generics.RetrieveAPIView):
    """One evidence item with all its versions."""

    queryset = Evidence.objects.all()
    serializer_class = EvidenceDetailSerializer


@body_limit("UPLOAD_MAX_BYTES")
class VersionsAPI(_UploadMixin, OrgAPIMixin, generics.ListAPIView):
    """GET: the versions of one evidence item, newest first, paged. POST (multipart): add a
    version (201)."""

    queryset = Evidence.objects.all()
    serializer_class = VersionSerializer
    permission_required = services.PERMISSION

    def get_evidence(self) -> Evidence:
        return get_object_or_404(super().get_queryset(), pk=self.kwargs["pk"])

    def get_queryset(self):
        return self.get_evidence().versions.select_related("organization", "created_by")

    @extend_schema(request=NewVersionSerializer, responses={201: VersionSerializer})
    def post(self, request, *args, **kwargs):
        evidence = self.get_evidence()
        data, error = self.validated(NewVersionSerializer)
        if error is not None:
            return error
        upload = data["file"]
        try:
            version = services.new_version(
                self.ctx,
                evidence,
                **content_of(upload),
                filename=data.get("filename") or upload.name,
                effective_date=data.get("effective_date"),
                valid_days=data.get("valid_days"),
                note=data.get("note", ""),
            )
        except EvidenceError as exc:
            return _refused(exc)
        body = VersionSerializer(version, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


class LinksAPI(OrgAPIMixin, generics.GenericAPIView):
    """POST ``{"action": "link"|"unlink", "controls": [...], "requirements": [...]}``."""

    queryset = Evidence.objects.all()
    serializer_class = LinkSerializer
    permission_required = services.PERMISSION
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=LinkSerializer, responses=EvidenceSerializer)
    def post(self, request, *args, **kwargs):
        evidence = self.get_object()
        serializer = LinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = services.link if data["action"] == "link" else services.unlink
        try:
            evidence = change(
                self.ctx,
                evidence,
                controls=data.get("controls", []),
                requirements=data.get("requirements", []),
            )
        except EvidenceError as exc:
            return _refused(exc)
        body = EvidenceSerializer(evidence, context=self.get_serializer_context())
        return Response(body.data)


class DownloadAPI(OrgAPIMixin, generics.GenericAPIView):
    """The bytes of one version, streamed as an attachment (``ETag`` is the SHA-256)."""

    queryset = EvidenceVersion.objects.all()
    serializer_class = VersionSerializer

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, *args, **kwargs):
        return attachment_response(self.get_object())
