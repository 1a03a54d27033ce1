"""The isms API: scope, context issues, interested parties, units and the SoA.

Views parse and render; every change goes through ``annexa.isms.services``, which checks the
permission again, validates and writes the ledger.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.core import security_log, spreadsheets
from annexa.core.api import (
    IF_MATCH,
    PAGE_PARAMETERS,
    PRECONDITION_RESPONSES,
    OrgAPIMixin,
    VersionedAPIMixin,
    if_match,
    page_of,
    paged,
    stale_response,
    with_etag,
)
from annexa.core.limits import body_limit
from annexa.isms import services
from annexa.isms.api import serializers as s
from annexa.isms.filters import SoAFilter
from annexa.isms.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    OrgUnit,
    ScopeStatement,
    SoAEntry,
)
from annexa.isms.progress import progress_of
from annexa.isms.services import context as context_service
from annexa.isms.services import soa_io

PERMISSION = "isms.change"


@contextmanager
def service_errors():
    """A service's Django ``ValidationError`` becomes a 400 with messages per field."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError(detail) from exc


# --- context issues, interested parties, units -----------------------------------------------


class ContextItemViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """CRUD for one of the context lists; ``kind`` names the service description."""

    permission_required = PERMISSION
    kind: context_service.Kind

    def perform_create(self, serializer) -> None:
        with service_errors():
            serializer.instance = context_service.save(
                self.ctx, self.kind, serializer.validated_data
            )

    def perform_update(self, serializer) -> None:
        with service_errors():
            serializer.instance = context_service.save(
                self.ctx, self.kind, serializer.validated_data, serializer.instance
            )

    def perform_destroy(self, instance) -> None:
        with service_errors():  # e.g. a unit still in an audit's scope: 400 saying which
            context_service.delete(self.ctx, self.kind, instance)


class ContextIssueViewSet(ContextItemViewSet):
    """Internal and external issues (clause 4.1)."""

    queryset = ContextIssue.objects.all()
    serializer_class = s.ContextIssueSerializer
    kind = context_service.ISSUE


class InterestedPartyViewSet(ContextItemViewSet):
    """Interested parties and their requirements (clause 4.2)."""

    queryset = InterestedParty.objects.all()
    serializer_class = s.InterestedPartySerializer
    kind = context_service.PARTY


class OrgUnitViewSet(ContextItemViewSet):
    """Units, systems, locations and processes in scope."""

    queryset = OrgUnit.objects.all()
    serializer_class = s.OrgUnitSerializer
    kind = context_service.UNIT

    def get_queryset(self):
        return super().get_queryset().select_related("manager")


# --- scope -----------------------------------------------------------------------------------


class ScopeView(OrgAPIMixin, generics.GenericAPIView):
    """The current scope statement and the list of versions; POST adds a version."""

    queryset = ScopeStatement.objects.all()
    serializer_class = s.ScopeWriteSerializer
    permission_required = PERMISSION

    @extend_schema(responses=s.ScopeOverviewSerializer)
    def get(self, request, **kwargs) -> Response:
        versions = list(self.get_queryset().select_related("created_by", "approved_by"))
        data = {"current": versions[0] if versions else None, "versions": versions}
        return Response(s.ScopeOverviewSerializer(data).data)

    @extend_schema(request=s.ScopeWriteSerializer, responses={201: s.ScopeStatementSerializer})
    def post(self, request, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            scope = services.save_scope(self.ctx, **serializer.validated_data)
        return Response(s.ScopeStatementSerializer(scope).data, status=status.HTTP_201_CREATED)


class ScopeVersionView(OrgAPIMixin, generics.RetrieveAPIView):
    """One version of the scope statement, by its number."""

    queryset = ScopeStatement.objects.all()
    serializer_class = s.ScopeStatementSerializer
    lookup_field = "version"

    def get_queryset(self):
        return super().get_queryset().select_related("created_by", "approved_by")


class ScopeApproveView(OrgAPIMixin, generics.GenericAPIView):
    """Approve the current version as the calling member."""

    queryset = ScopeStatement.objects.all()
    serializer_class = s.ScopeApproveSerializer
    permission_required = PERMISSION

    @extend_schema(request=s.ScopeApproveSerializer, responses=s.ScopeStatementSerializer)
    def post(self, request, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            scope = services.approve_scope(
                self.ctx, version=serializer.validated_data.get("version")
            )
        return Response(s.ScopeStatementSerializer(scope).data)


# --- Statement of Applicability --------------------------------------------------------------

CONTROL_ID = OpenApiParameter(
    "control_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. A.5.15"
)
FILTERS = [
    OpenApiParameter(
        "theme", OpenApiTypes.STR, enum=["organizational", "people", "physical", "technological"]
    ),
    OpenApiParameter("applicable", OpenApiTypes.STR, enum=["yes", "no"]),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=["not_started", "planned", "partially_implemented", "implemented"],
    ),
    OpenApiParameter("owner", OpenApiTypes.STR, description="e-mail address, or 'none'"),
    OpenApiParameter("q", OpenApiTypes.STR, description="text in id, title, justification, notes"),
]


class SoAViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The SoA: list with filters, one entry by control id, PATCH with optimistic locking
    (``If-Match`` required)."""

    queryset = SoAEntry.objects.all()
    serializer_class = s.SoAEntrySerializer
    permission_required = PERMISSION
    lookup_field = "control_id"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9.]*"
    http_method_names = ["get", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        services.ensure_soa(self.ctx.org)

    def get_queryset(self):
        queryset = super().get_queryset().select_related("control", "control_owner", "updated_by")
        if self.action != "list":
            return queryset
        filters = SoAFilter(self.request.query_params, org=self.ctx.org)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        return filters.apply(queryset)

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[CONTROL_ID])
    def retrieve(self, request, *args, **kwargs) -> Response:
        entry = self.get_object()
        return with_etag(self.get_serializer(entry).data, entry.version)

    @extend_schema(
        parameters=[CONTROL_ID, IF_MATCH],
        request=s.SoAEntrySerializer,
        responses={200: s.SoAEntrySerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                entry = services.update_soa_entry(
                    self.ctx,
                    entry.control_id,
                    serializer.validated_data,
                    expected_version=self.expected_version,
                )
        except services.StaleVersionError as exc:
            return stale_response(str(exc), exc.entry.version)
        return with_etag(self.get_serializer(entry).data, entry.version)


# --- objectives ------------------------------------------------------------------------------

WITHDRAW_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The objective's version as read (its ETag); checked when sent (412 when stale).",
)


class ObjectiveViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Information security objectives (clause 6.2): list, create, PATCH with optimistic
    locking (``If-Match`` required), measurements, withdrawal. Objectives are withdrawn, never
    deleted."""

    queryset = Objective.objects.all()
    serializer_class = s.ObjectiveSerializer
    permission_required = PERMISSION
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "control", "updated_by")

    def list(self, request, *args, **kwargs) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "progress": progress_of(items)}
        data = s.ObjectiveSerializer(items, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs) -> Response:
        objective = self.get_object()
        return with_etag(self.get_serializer(objective).data, objective.version)

    def perform_create(self, serializer) -> None:
        with service_errors():
            serializer.instance = services.create_objective(self.ctx, serializer.validated_data)

    @extend_schema(
        parameters=[IF_MATCH],
        request=s.ObjectiveSerializer,
        responses={200: s.ObjectiveSerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        objective = self.get_object()
        serializer = self.get_serializer(objective, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                objective = services.update_objective(
                    self.ctx,
                    objective,
                    serializer.validated_data,
                    expected_version=self.expected_version,
                )
        except services.StaleObjectiveError as exc:
            return self.stale(exc)
        return with_etag(self.get_serializer(objective).data, objective.version)

    @staticmethod
    def stale(exc: services.StaleObjectiveError) -> Response:
        return stale_response(str(exc), exc.objective.version)

    @extend_schema(
        methods=["GET"],
        responses=page_of(s.ObjectiveMeasurementSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="objectives_measurements_list",
    )
    @extend_schema(
        methods=["POST"],
        request=s.ObjectiveMeasurementSerializer,
        responses={201: s.ObjectiveMeasurementSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=s.ObjectiveMeasurementSerializer,
    )
    def measurements(self, request, *args, **kwargs) -> Response:
        """The objective's measurements, oldest first; POST records a new one."""
        objective = self.get_object()
        if request.method == "GET":
            found = progress_of([objective])[objective.pk].measurements
            return paged(self, found, s.ObjectiveMeasurementSerializer)
        serializer = s.ObjectiveMeasurementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            measurement = services.record_measurement(
                self.ctx, objective, **serializer.validated_data
            )
        return Response(
            s.ObjectiveMeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[WITHDRAW_IF_MATCH],
        request=s.ObjectiveWithdrawSerializer,
        responses={200: s.ObjectiveSerializer, 412: PRECONDITION_RESPONSES[412]},
    )
    @action(detail=True, methods=["post"], serializer_class=s.ObjectiveWithdrawSerializer)
    def withdraw(self, request, *args, **kwargs) -> Response:
        """Withdraw the objective, saying why."""
        objective = self.get_object()
        expected = if_match(request, required=False)
        serializer = s.ObjectiveWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                objective = services.withdraw_objective(
                    self.ctx,
                    objective,
                    reason=serializer.validated_data["reason"],
                    expected_version=expected,
                )
        except services.StaleObjectiveError as exc:
            return self.stale(exc)
        data = s.ObjectiveSerializer(objective, context=self.get_serializer_context()).data
        return with_etag(data, objective.version)


class XLSXRenderer(BaseRenderer):
    media_type = spreadsheets.XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class SoAExportView(OrgAPIMixin, APIView):
    """The whole SoA as a spreadsheet (formula-safe); errors still come back as JSON."""

    fmt = "xlsx"

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request, **kwargs) -> Response:
        org = self.ctx.org
        export = services.export_xlsx if self.fmt == "xlsx" else services.export_csv
        name = f"soa-{org.slug}-{timezone.now():%Y-%m-%d}.{self.fmt}"
        security_log.export_by(self.ctx, "the Statement of Applicability", format=self.fmt)
        return Response(
            export(org), headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )


class SoAExportXLSXView(SoAExportView):
    fmt = "xlsx"
    renderer_classes = [XLSXRenderer]

    @extend_schema(responses={(200, spreadsheets.XLSX_MEDIA_TYPE): OpenApiTypes.BINARY})
    def get(self, request, **kwargs) -> Response:
        return super().get(request, **kwargs)


class SoAExportCSVView(SoAExportView):
    fmt = "csv"
    renderer_classes = [CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, **kwargs) -> Response:
        return super().get(request, **kwargs)


@body_limit(soa_io.MAX_IMPORT_BYTES)
class SoAImportView(OrgAPIMixin, generics.GenericAPIView):
    """Upload an XLSX sheet: all rows valid and applied, or nothing changes (400 + errors)."""

    serializer_class = s.SoAImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    permission_required = PERMISSION

    @extend_schema(
        request={"multipart/form-data": s.SoAImportSerializer},
        responses={200: s.SoAImportResultSerializer, 400: s.SoAImportErrorsSerializer},
    )
    def post(self, request, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            errors = [
                {"row": None, "column": field, "message": " ".join(str(m) for m in messages)}
                for field, messages in serializer.errors.items()
            ]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        report = services.import_soa(self.ctx, serializer.validated_data["file"])
        if not report.ok:
            return Response(
                {"errors": [e.as_dict() for e in report.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"changed": report.changed, "unchanged": report.unchanged})


class SoAApproveView(OrgAPIMixin, APIView):
    """Approve the SoA as it stands as its next version (the SoA document names it)."""

    permission_required = PERMISSION

    @extend_schema(request=s.SoAApproveSerializer, responses={201: s.SoAApprovalSerializer})
    def post(self, request, **kwargs) -> Response:
        from annexa.isms.services import soa_document

        serializer = s.SoAApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            approval = soa_document.approve_soa(self.ctx, serializer.validated_data["note"])
        return Response(s.SoAApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


class SoADocumentView(OrgAPIMixin, APIView):
    """The SoA as a controlled document: ``pdf`` or ``docx``, with front page and history."""

    @extend_schema(responses={200: OpenApiTypes.BINARY})
    def get(self, request, fmt: str, **kwargs):
        from django.http import Http404

        from annexa.core.pdf import failure_response
        from annexa.isms.services import soa_document
        from annexa.reports.downloads import file_response

        if fmt not in soa_document.FORMATS:
            raise Http404("no such format; use pdf or docx")
        try:
            content, name = soa_document.render(self.ctx.org, fmt)
        except soa_document.SoADocumentError as exc:
            return failure_response(request, exc)
        security_log.export_by(self.ctx, "the Statement of Applicability", format=fmt)
        return file_response(content, name, fmt)
