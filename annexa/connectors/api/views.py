"""Connectors API: configure connectors (secrets write-only), run them, import files."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.connectors import registry, services
from annexa.connectors.api.serializers import (
    CollectionRunSerializer,
    ConnectorSerializer,
    IngestSerializer,
)
from annexa.connectors.models import CollectionRun, Connector
from annexa.connectors.schema import ConfigInvalid, describe
from annexa.connectors.uploads import uploaded_path
from annexa.core.api import OBJECT_LIST, JSONParser, OrgAPIMixin
from annexa.core.limits import body_limit
from annexa.evidence.uploads import limit_uploads
from annexa.monitoring import services as monitoring


def _invalid(exc: Exception) -> Response:
    if isinstance(exc, ConfigInvalid):
        return Response({"config": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)


class ConnectorListAPI(OrgAPIMixin, generics.ListCreateAPIView):
    """GET: the organization's connectors. POST: configure one (``secrets`` write-only)."""

    queryset = Connector.objects.all()
    serializer_class = ConnectorSerializer
    permission_required = services.MANAGE

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            connector = services.create(
                self.ctx,
                name=data["name"],
                kind=data["kind"],
                values=data.get("config", {}),
                secrets=data.get("secrets", {}),
                enabled=data.get("enabled", True),
                interval_minutes=data.get("interval_minutes", 60),
                valid_days=data.get("valid_days", 7),
            )
        except (ConfigInvalid, services.ConnectorError) as exc:
            return _invalid(exc)
        body = self.get_serializer(connector).data
        return Response(body, status=status.HTTP_201_CREATED)


class ConnectorDetailAPI(OrgAPIMixin, generics.RetrieveUpdateDestroyAPIView):
    """GET one connector; PATCH/PUT its settings (empty secrets keep theirs); DELETE it."""

    queryset = Connector.objects.all()
    serializer_class = ConnectorSerializer
    permission_required = services.MANAGE

    def update(self, request, *args, **kwargs):
        connector = self.get_object()
        serializer = self.get_serializer(connector, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "kind" in data and data["kind"] != connector.kind:
            return _invalid(services.ConnectorError("the kind of a connector cannot change"))
        try:
            connector = services.update(
                self.ctx,
                connector,
                name=data.get("name"),
                values=data.get("config"),
                secrets=data.get("secrets"),
                clear_secrets=tuple(data.get("clear_secrets", ())),
                enabled=data.get("enabled"),
                interval_minutes=data.get("interval_minutes"),
                valid_days=data.get("valid_days"),
            )
        except (ConfigInvalid, services.ConnectorError) as exc:
            return _invalid(exc)
        return Response(self.get_serializer(connector).data)

    def perform_destroy(self, instance: Connector) -> None:
        services.delete(self.ctx, instance)


class RunNowAPI(OrgAPIMixin, generics.GenericAPIView):
    """POST: queue a run of the connector (202, the run)."""

    queryset = Connector.objects.all()
    serializer_class = CollectionRunSerializer
    permission_required = services.RUN

    @extend_schema(request=None, responses={202: CollectionRunSerializer, 503: OpenApiTypes.OBJECT})
    def post(self, request, *args, **kwargs):
        try:
            run = monitoring.queue_collection(self.ctx, self.get_object())
        except services.JobQueueUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(CollectionRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ConnectorRunsAPI(OrgAPIMixin, generics.ListAPIView):
    """The runs of one connector, newest first."""

    queryset = Connector.objects.all()
    serializer_class = CollectionRunSerializer

    def get_queryset(self):
        connector = generics.get_object_or_404(super().get_queryset(), pk=self.kwargs["pk"])
        return connector.runs.prefetch_related("items__version__evidence", "test_runs")


class CollectionRunAPI(OrgAPIMixin, generics.RetrieveAPIView):
    """One collection run with the evidence it stored."""

    queryset = CollectionRun.objects.all()
    serializer_class = CollectionRunSerializer

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("connector")
            .prefetch_related("items__version__evidence", "test_runs")
        )


class PluginsAPI(OrgAPIMixin, APIView):
    """The connector plugins this installation offers, with their configuration fields."""

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, *args, **kwargs):
        plugins = []
        for name, plugin in registry.plugins().items():
            cls = plugin.cls
            plugins.append(
                {
                    "name": name,
                    "label": cls.label if cls else "",
                    "description": cls.description if cls else "",
                    "origin": plugin.origin,
                    "usable": plugin.usable,
                    "error": plugin.error,
                    "produces": list(cls.produces) if cls else [],
                    "fields": [s.as_dict() for s in describe(cls.config_class)] if cls else [],
                }
            )
        return Response(plugins)


@body_limit("UPLOAD_MAX_BYTES")
class IngestAPI(OrgAPIMixin, APIView):
    """POST (multipart ``file``, optional ``kind``): import a scanner's output and judge it.

    201 with the summary when new evidence was stored, 200 when the content was already held.
    """

    permission_required = services.RUN
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def initialize_request(self, request, *args, **kwargs):
        self.upload_handler = limit_uploads(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request=IngestSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, *args, **kwargs):
        serializer = IngestSerializer(data=request.data)
        if self.upload_handler.too_large is not None:
            detail = {"detail": str(self.upload_handler.too_large), "code": "too_large"}
            return Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            judged = _ingest(self.ctx, data)
        except services.ImportRejected as exc:
            return Response({"detail": str(exc), "code": "rejected"}, status=400)
        code = status.HTTP_201_CREATED if judged.item.created else status.HTTP_200_OK
        return Response(judged.as_dict(), status=code)


def _ingest(ctx, data: dict):
    upload = data["file"]
    with uploaded_path(upload) as path:
        return monitoring.ingest(
            ctx, path, filename=upload.name, kind=data.get("kind"), valid_days=data["valid_days"]
        )
