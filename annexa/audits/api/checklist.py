"""The checklist API: list and filter, generate, add/remove/move items, fieldwork with
optimistic locking (ETag = the item's version; PATCH needs ``If-Match``, 412 when stale),
on-the-spot uploads, export (XLSX, CSV, JSON, PDF), import, and closing fieldwork.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annexa.audits.api.checklist_serializers import (
    ChecklistAddItemSerializer,
    ChecklistGeneratedSerializer,
    ChecklistImportResultSerializer,
    ChecklistImportSerializer,
    ChecklistItemDetailSerializer,
    ChecklistMovedSerializer,
    ChecklistMoveSerializer,
    ChecklistRemoveSerializer,
    ChecklistSerializer,
    ChecklistUploadSerializer,
    FieldworkSerializer,
)
from annexa.audits.models import Audit, ChecklistItem
from annexa.audits.services import (
    checklist,
    checklist_import,
    checklist_io,
    checklist_rows,
    fieldwork,
)
from annexa.audits.services.common import CONDUCT
from annexa.core import pdf, security_log
from annexa.core.api import IF_MATCH, JSONParser, OrgAPIMixin, if_match
from annexa.core.limits import body_limit
from annexa.evidence.uploads import content_of
from annexa.orgs.models import User

FILTERS = [
    OpenApiParameter("result", OpenApiTypes.STR, description="a result, or 'none'"),
    OpenApiParameter("clause", OpenApiTypes.STR, description="4 … 10, or A for Annex A"),
    OpenApiParameter("theme", OpenApiTypes.STR, description="an Annex A theme"),
    OpenApiParameter("removed", OpenApiTypes.STR, enum=["", "yes", "all"]),
]
STALE = OpenApiResponse(description="The item changed since you read it (If-Match).")


@contextmanager
def service_errors():
    """A service's ``ValidationError`` becomes a 400 with messages per field."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError(detail) from exc


def stale_response(exc: fieldwork.StaleVersionError) -> Response:
    return Response(
        {"detail": str(exc), "current_version": exc.item.version},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )


# --- views -----------------------------------------------------------------------------------


def item_response(item: ChecklistItem, code: int = status.HTTP_200_OK) -> Response:
    row = checklist_rows.rows(item.audit, [item])[0]
    response = Response(ChecklistItemDetailSerializer(row).data, status=code)
    response["ETag"] = f'"{item.version}"'
    return response


class AuditChecklistView(OrgAPIMixin, generics.GenericAPIView):
    """The checklist of audit ``pk`` with its progress; filters as on the web page."""

    queryset = Audit.objects.all()
    serializer_class = ChecklistSerializer

    @extend_schema(parameters=FILTERS, responses=ChecklistSerializer)
    def get(self, request, **kwargs) -> Response:
        audit = self.get_object()
        params = {k: request.query_params.get(k, "") for k in ("result", "clause", "theme")}
        params["removed"] = request.query_params.get("removed", "")
        items = checklist_rows.filter_items(checklist_rows.items_of(audit), params)
        # The auditees with only what the items show of them; the linked versions by uid
        # (thousands of them: read as values, not model instances).
        items = list(
            items.prefetch_related(Prefetch("auditees", queryset=User.objects.only("id", "email")))
        )
        rows = checklist_rows.rows(audit, items, on_file_counts=True)
        linked = checklist_rows.linked_uids([i.pk for i in items])
        data = {"audit": audit, "progress": checklist_rows.progress(audit), "items": rows}
        return Response(ChecklistSerializer(data, context={"linked_uids": linked}).data)


class GenerateView(OrgAPIMixin, generics.GenericAPIView):
    """Add an item for everything in scope that has none (idempotent)."""

    queryset = Audit.objects.all()
    serializer_class = ChecklistGeneratedSerializer
    permission_required = CONDUCT

    @extend_schema(
        request=None,
        responses={201: ChecklistGeneratedSerializer, 200: ChecklistGeneratedSerializer},
    )
    def post(self, request, **kwargs) -> Response:
        audit = self.get_object()
        with service_errors():
            added = checklist.generate(self.ctx, audit)
        code = status.HTTP_201_CREATED if added else status.HTTP_200_OK
        return Response({"added": [i.subject_id for i in added]}, status=code)


class AddItemView(OrgAPIMixin, generics.GenericAPIView):
    """Add an ad-hoc question about a requirement or control."""

    queryset = Audit.objects.all()
    serializer_class = ChecklistAddItemSerializer
    permission_required = CONDUCT

    @extend_schema(
        request=ChecklistAddItemSerializer, responses={201: ChecklistItemDetailSerializer}
    )
    def post(self, request, **kwargs) -> Response:
        audit = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            item = checklist.add_item(
                self.ctx,
                audit,
                data["subject"],
                data["question"],
                "\n".join(data["expected_documents"]),
            )
        return item_response(item, status.HTTP_201_CREATED)


class ItemView(OrgAPIMixin, generics.GenericAPIView):
    """One item (ETag = version); PATCH records fieldwork and needs ``If-Match``."""

    queryset = ChecklistItem.objects.all()
    serializer_class = FieldworkSerializer
    permission_required = CONDUCT

    def get_queryset(self):
        return super().get_queryset().select_related("audit", "requirement", "control")

    @extend_schema(responses=ChecklistItemDetailSerializer)
    def get(self, request, **kwargs) -> Response:
        return item_response(self.get_object())

    @extend_schema(
        parameters=[IF_MATCH],
        request=FieldworkSerializer,
        responses={
            200: ChecklistItemDetailSerializer,
            412: STALE,
            428: OpenApiResponse(description="No If-Match."),
        },
    )
    def patch(self, request, **kwargs) -> Response:
        item = self.get_object()
        expected = if_match(request, required=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                item = fieldwork.save_fieldwork(
                    self.ctx, item, serializer.validated_data, expected_version=expected
                )
        except fieldwork.StaleVersionError as exc:
            return stale_response(exc)
        return item_response(item)


@body_limit("UPLOAD_MAX_BYTES")
class ItemUploadView(ItemView):
    """Upload evidence on the spot and link it to the item (needs ``If-Match``)."""

    serializer_class = ChecklistUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        parameters=[IF_MATCH],
        request={"multipart/form-data": ChecklistUploadSerializer},
        responses={201: ChecklistItemDetailSerializer, 412: STALE},
    )
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        expected = if_match(request, required=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = fieldwork.NewEvidence(
            filename=data["file"].name,
            title=data["title"],
            valid_days=data.get("valid_days"),
            **content_of(data["file"]),
        )
        try:
            with service_errors():
                item = fieldwork.save_fieldwork(
                    self.ctx, item, {}, expected_version=expected, upload=upload
                )
        except fieldwork.StaleVersionError as exc:
            return stale_response(exc)
        return item_response(item, status.HTTP_201_CREATED)


class ItemRemoveView(ItemView):
    """Remove the item with a reason; ``If-Match`` is checked when sent."""

    serializer_class = ChecklistRemoveSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        request=ChecklistRemoveSerializer,
        responses={200: ChecklistItemDetailSerializer, 412: STALE},
    )
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        expected = if_match(request, required=False)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                item = checklist.remove_item(
                    self.ctx,
                    item,
                    serializer.validated_data["reason"],
                    expected_version=expected,
                )
        except fieldwork.StaleVersionError as exc:
            return stale_response(exc)
        return item_response(item)


class ItemRestoreView(ItemView):
    """Bring a removed item back; ``If-Match`` is checked when sent."""

    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses={200: ChecklistItemDetailSerializer, 412: STALE})
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        expected = if_match(request, required=False)
        try:
            with service_errors():
                item = checklist.restore_item(self.ctx, item, expected_version=expected)
        except fieldwork.StaleVersionError as exc:
            return stale_response(exc)
        return item_response(item)


class ItemMoveView(ItemView):
    """Move the item one place up or down (layout only: the version does not change)."""

    serializer_class = ChecklistMoveSerializer
    http_method_names = ["post", "options"]

    @extend_schema(request=ChecklistMoveSerializer, responses=ChecklistMovedSerializer)
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            moved = checklist.move_item(self.ctx, item, serializer.validated_data["direction"])
        return Response({"moved": moved})


class ExportView(OrgAPIMixin, generics.GenericAPIView):
    """The checklist as a file; ``fmt`` is xlsx, csv, json or pdf."""

    queryset = Audit.objects.all()
    fmt = "xlsx"

    def get_serializer_class(self):
        return None

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, **kwargs) -> HttpResponse:
        from annexa.audits.views.checklist import EXPORTS

        audit = self.get_object()
        try:
            body = getattr(checklist_io, f"export_{self.fmt}")(audit)
        except pdf.PDFError as exc:
            return pdf.failure_response(request, exc)
        security_log.export_by(self.ctx, f"the checklist of {audit.reference}", format=self.fmt)
        response = HttpResponse(body, content_type=EXPORTS[self.fmt])
        name = f"checklist-{audit.reference}-{timezone.localdate():%Y-%m-%d}.{self.fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@body_limit(checklist_import.MAX_IMPORT_BYTES)
class ImportView(OrgAPIMixin, generics.GenericAPIView):
    """Upload a filled XLSX sheet: all rows applied, or nothing changes (400 + errors)."""

    queryset = Audit.objects.all()
    serializer_class = ChecklistImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    permission_required = CONDUCT

    @extend_schema(
        request={"multipart/form-data": ChecklistImportSerializer},
        responses={200: ChecklistImportResultSerializer, 400: ChecklistImportResultSerializer},
    )
    def post(self, request, **kwargs) -> Response:
        audit = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            report = checklist_io.import_checklist(
                self.ctx, audit, serializer.validated_data["file"]
            )
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=code)


class CloseFieldworkView(OrgAPIMixin, generics.GenericAPIView):
    """Move the audit from fieldwork to reporting (every item assessed first)."""

    queryset = Audit.objects.all()
    permission_required = CONDUCT

    def get_serializer_class(self):
        return None

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, **kwargs) -> Response:
        audit = self.get_object()
        with service_errors():
            audit = fieldwork.close_fieldwork(self.ctx, audit)
        return Response({"reference": audit.reference, "status": audit.status})
