"""The risks API: the register (list with filters, create, change with ``If-Match``, accept
the residual risk, close), treatment actions, the methodology and its versions, the heat map,
the asset inventory (confirm, from the scope), and both as spreadsheets (export, import).

Views parse and render; every change goes through ``annexa.risks.services``, which checks the
permission again (a risk owner changes only the risks they own), validates and writes the
ledger.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
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
from annexa.isms.api.views import CSVRenderer, XLSXRenderer, service_errors
from annexa.risks import io
from annexa.risks.api import serializers as s
from annexa.risks.choices import ActionStatus, AssetKind, RiskStatus
from annexa.risks.filters import (
    OPEN_CHOICE,
    filter_assets,
    filter_risks,
    filter_treatment_actions,
)
from annexa.risks.models import Asset, Methodology, Risk, TreatmentAction
from annexa.risks.services import assets as asset_service
from annexa.risks.services import methodology as methodologies
from annexa.risks.services import reporting
from annexa.risks.services import risks as risk_service
from annexa.risks.services.asset_versions import StaleAssetError, update_asset
from annexa.risks.services.common import ASSESS, MANAGE

TRUE_FALSE = "true or false"
RISK_FILTERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=[OPEN_CHOICE, *RiskStatus.values],
        description=("A status, or open for every one but closed."),
    ),
    OpenApiParameter(
        "basis",
        OpenApiTypes.STR,
        enum=["inherent", "residual"],
        description="Which assessment level, likelihood and impact look at (default inherent).",
    ),
    OpenApiParameter("level", OpenApiTypes.STR, description="A level band's key, e.g. high."),
    OpenApiParameter("likelihood", OpenApiTypes.INT, description="A heat-map row (1 and up)."),
    OpenApiParameter("impact", OpenApiTypes.INT, description="A heat-map column (1 and up)."),
    OpenApiParameter("owner", OpenApiTypes.STR, description="The risk owner's e-mail address."),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Open risks past their review."),
    OpenApiParameter(
        "above", OpenApiTypes.BOOL, description="Open risks above the acceptance threshold."
    ),
    OpenApiParameter("asset", OpenApiTypes.STR, description="Risks of an asset, e.g. AS-0001."),
    OpenApiParameter("control", OpenApiTypes.STR, description="Risks treated by, e.g., A.8.5."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text, or a reference such as R-0012."),
]
ASSET_FILTERS = [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=AssetKind.values),
    OpenApiParameter("owner", OpenApiTypes.STR, description="E-mail address, or none."),
    OpenApiParameter("classification", OpenApiTypes.STR, description="A label's name."),
    OpenApiParameter("confirmed", OpenApiTypes.BOOL, description="Confirmed by the owner."),
    OpenApiParameter("retired", OpenApiTypes.BOOL),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text, or a reference such as AS-0003."),
]
ACTION_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=[OPEN_CHOICE, *ActionStatus.values]),
    OpenApiParameter("owner", OpenApiTypes.STR, description="The owner's e-mail address."),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Not done, past the due date."),
]
OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The version you read (its ETag); checked when sent (412 when stale).",
)
STALE = {412: PRECONDITION_RESPONSES[412]}


def _narrowed(result):
    """A filter's queryset, or its form's errors as a 400."""
    queryset, form = result
    if not form.is_valid():
        raise ValidationError(form.errors)
    return queryset


def _stale_risk(exc: risk_service.StaleRiskError) -> Response:
    return stale_response(str(exc), exc.risk.version)


# --- the register --------------------------------------------------------------------------


class RiskViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The risk register: list with filters, create, PATCH with optimistic locking
    (``If-Match`` required), accept the residual risk, close, the treatment actions."""

    queryset = Risk.objects.all()
    serializer_class = s.RiskSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        return MANAGE if getattr(self, "action", None) in ("create", "close") else ASSESS

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("owner", "accepted_by", "methodology", "updated_by")
            .prefetch_related("assets", "controls", "suppliers")
            .order_by("number")
        )
        if self.action == "list":
            queryset = _narrowed(filter_risks(queryset, self.request.query_params, self.ctx.org))
        return queryset

    def _fresh(self, risk: Risk, code: int = status.HTTP_200_OK) -> Response:
        risk = self.get_queryset().get(pk=risk.pk)
        data = s.RiskSerializer(risk, context=self.get_serializer_context()).data
        return with_etag(data, risk.version, code)

    @extend_schema(parameters=RISK_FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs) -> Response:
        risk = self.get_object()
        return with_etag(self.get_serializer(risk).data, risk.version)

    @extend_schema(request=s.RiskSerializer, responses={201: s.RiskSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            risk = risk_service.create_risk(self.ctx, dict(serializer.validated_data))
        return self._fresh(risk, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        request=s.RiskSerializer,
        responses={200: s.RiskSerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        risk = self.get_object()
        serializer = self.get_serializer(risk, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                risk = risk_service.update_risk(
                    self.ctx,
                    risk,
                    dict(serializer.validated_data),
                    expected_version=self.expected_version,
                )
        except risk_service.StaleRiskError as exc:
            return _stale_risk(exc)
        return self._fresh(risk)

    def _unless_stale(self, risk: Risk) -> Response | None:
        expected = if_match(self.request, required=False)
        if expected is not None and expected != risk.version:
            return _stale_risk(risk_service.StaleRiskError(risk, expected))
        return None

    @extend_schema(
        parameters=[OPTIONAL_IF_MATCH],
        request=s.RiskAcceptSerializer,
        responses={200: s.RiskSerializer, **STALE},
    )
    @action(detail=True, methods=["post"], serializer_class=s.RiskAcceptSerializer)
    def accept(self, request, **kwargs) -> Response:
        """The risk owner accepts the residual risk under the methodology's criteria (above
        the acceptance threshold, with a reason)."""
        risk = self.get_object()
        body = s.RiskAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stale = self._unless_stale(risk)
        if stale is not None:
            return stale
        with service_errors():
            risk = risk_service.accept_residual(self.ctx, risk, body.validated_data["reason"])
        return self._fresh(risk)

    @extend_schema(
        parameters=[OPTIONAL_IF_MATCH],
        request=s.RiskCloseSerializer,
        responses={200: s.RiskSerializer, **STALE},
    )
    @action(detail=True, methods=["post"], serializer_class=s.RiskCloseSerializer)
    def close(self, request, **kwargs) -> Response:
        """Close a risk that no longer applies, saying why."""
        risk = self.get_object()
        body = s.RiskCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stale = self._unless_stale(risk)
        if stale is not None:
            return stale
        with service_errors():
            risk = risk_service.close_risk(self.ctx, risk, body.validated_data["reason"])
        return self._fresh(risk)

    @extend_schema(
        methods=["GET"],
        responses=page_of(s.TreatmentActionSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="risks_actions_list",
    )
    @extend_schema(
        methods=["POST"],
        request=s.TreatmentActionSerializer,
        responses={201: s.TreatmentActionSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=s.TreatmentActionSerializer,
    )
    def actions(self, request, **kwargs) -> Response:
        """The risk's treatment actions, soonest due first; POST adds one."""
        risk = self.get_object()
        if request.method == "GET":
            found = risk.actions.select_related("risk", "owner", "control")
            return paged(self, found, s.TreatmentActionSerializer)
        body = s.TreatmentActionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if data.get("control") is not None:
            data["control"] = data["control"].id
        with service_errors():
            created = risk_service.add_action(self.ctx, risk, data)
        return Response(s.TreatmentActionSerializer(created).data, status=status.HTTP_201_CREATED)


class TreatmentActionViewSet(
    OrgAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every risk's treatment actions (filters: ``status``, ``owner``, ``overdue``); PATCH
    changes one (its owner, or whoever may edit its risk)."""

    queryset = TreatmentAction.objects.all()
    serializer_class = s.TreatmentActionSerializer
    permission_required = ASSESS
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        queryset = (
            super().get_queryset().select_related("risk", "owner", "control").order_by("due_date")
        )
        if self.action == "list":
            queryset = _narrowed(filter_treatment_actions(queryset, self.request.query_params))
        return queryset

    @extend_schema(parameters=ACTION_FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.TreatmentActionSerializer, responses=s.TreatmentActionSerializer)
    def partial_update(self, request, *args, **kwargs) -> Response:
        current = self.get_object()
        body = self.get_serializer(current, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "control" in data:
            data["control"] = data["control"].id if data["control"] is not None else ""
        with service_errors():
            updated = risk_service.update_action(self.ctx, current, data)
        return Response(self.get_serializer(self.get_queryset().get(pk=updated.pk)).data)


# --- the methodology and the heat map ------------------------------------------------------


class MethodologyView(OrgAPIMixin, generics.GenericAPIView):
    """The methodology in force; POST makes a new version (every risk's levels are derived
    again under it)."""

    queryset = Methodology.objects.all()
    serializer_class = s.MethodologyReviseSerializer
    permission_required = MANAGE

    @extend_schema(responses=s.MethodologySerializer)
    def get(self, request, **kwargs) -> Response:
        return Response(s.MethodologySerializer(methodologies.current(self.ctx.org)).data)

    @extend_schema(request=s.MethodologyReviseSerializer, responses={201: s.MethodologySerializer})
    def post(self, request, **kwargs) -> Response:
        body = s.MethodologyReviseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            revised = methodologies.revise(self.ctx, body.changes(), body.validated_data["reason"])
        return Response(s.MethodologySerializer(revised).data, status=status.HTTP_201_CREATED)


class MethodologyVersionsView(OrgAPIMixin, generics.ListAPIView):
    """Every version of the methodology, newest first."""

    queryset = Methodology.objects.all()
    serializer_class = s.MethodologySerializer

    def get_queryset(self):
        methodologies.current(self.ctx.org)  # the first version exists once anyone looks
        return super().get_queryset().select_related("created_by").order_by("-version")


class HeatMapView(OrgAPIMixin, APIView):
    """Open risks per likelihood and impact cell, inherent or residual."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "basis",
                OpenApiTypes.STR,
                enum=["inherent", "residual"],
                description=("inherent (the default) or residual"),
            )
        ],
        responses=s.HeatMapSerializer,
    )
    def get(self, request, **kwargs) -> Response:
        basis = request.query_params.get("basis") or "inherent"
        if basis not in ("inherent", "residual"):
            raise ValidationError({"basis": "Use inherent or residual."})
        found = reporting.heat_map(self.ctx.org, basis)
        current = found.methodology
        data = {
            "basis": basis,
            "methodology": current.version,
            "likelihood": [level["label"] for level in current.likelihood],
            "impact": [level["label"] for level in current.impact],
            "cells": found.cells,
            "total": found.total,
            "unassessed": found.unassessed,
        }
        return Response(s.HeatMapSerializer(data).data)


# --- spreadsheets --------------------------------------------------------------------------


class _Export(OrgAPIMixin, APIView):
    """A list as a spreadsheet (formula-safe), narrowed by the list's filters; errors still
    come back as JSON."""

    fmt = "xlsx"
    what = ""

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def rows(self):
        raise NotImplementedError

    def get(self, request, **kwargs) -> Response:
        body = self.export(self.ctx.org, self.fmt, self.rows())
        name = io.filename(self.ctx.org, self.what, self.fmt)
        security_log.export_by(self.ctx, f"the {self.what.replace('-', ' ')}", format=self.fmt)
        return Response(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class _RiskExport(_Export):
    what = "risk-register"
    export = staticmethod(io.export_risks)

    def rows(self):
        queryset = io.risks_for_export(Risk.objects.for_org(self.ctx.org).order_by("number"))
        return _narrowed(filter_risks(queryset, self.request.query_params, self.ctx.org))


class RiskExportXLSXView(_RiskExport):
    fmt = "xlsx"
    renderer_classes = [XLSXRenderer]

    @extend_schema(
        parameters=RISK_FILTERS,
        responses={(200, spreadsheets.XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, **kwargs) -> Response:
        """The register (or the risks the filters select) as an XLSX workbook."""
        return super().get(request, **kwargs)


class RiskExportCSVView(_RiskExport):
    fmt = "csv"
    renderer_classes = [CSVRenderer]

    @extend_schema(parameters=RISK_FILTERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, **kwargs) -> Response:
        """The register (or the risks the filters select) as CSV (UTF-8)."""
        return super().get(request, **kwargs)


class _AssetExport(_Export):
    what = "asset-inventory"
    export = staticmethod(io.export_assets)

    def rows(self):
        queryset = io.assets_for_export(Asset.objects.for_org(self.ctx.org).order_by("number"))
        return _narrowed(filter_assets(queryset, self.request.query_params, self.ctx.org))


class AssetExportXLSXView(_AssetExport):
    fmt = "xlsx"
    renderer_classes = [XLSXRenderer]

    @extend_schema(
        parameters=ASSET_FILTERS,
        responses={(200, spreadsheets.XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, **kwargs) -> Response:
        """The inventory (or the assets the filters select) as an XLSX workbook."""
        return super().get(request, **kwargs)


class AssetExportCSVView(_AssetExport):
    fmt = "csv"
    renderer_classes = [CSVRenderer]

    @extend_schema(parameters=ASSET_FILTERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, **kwargs) -> Response:
        """The inventory (or the assets the filters select) as CSV (UTF-8)."""
        return super().get(request, **kwargs)


IMPORT_RESPONSES = {
    200: s.ImportResultSerializer,
    400: OpenApiResponse(
        s.ImportErrorsSerializer,
        description="Nothing was imported: every problem, by row and column.",
    ),
}


class _Import(OrgAPIMixin, generics.GenericAPIView):
    """Upload an XLSX or CSV file: every row valid and saved, or nothing changes (400 with
    every problem by row and column)."""

    serializer_class = s.ImportSerializer
    parser_classes = [MultiPartParser]
    permission_required = MANAGE

    def run(self, file, name: str):
        raise NotImplementedError

    def post(self, request, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        if not body.is_valid():
            return _import_refused(
                [
                    {"row": None, "column": field, "message": " ".join(map(str, messages))}
                    for field, messages in body.errors.items()
                ]
            )
        upload = body.validated_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            return _import_refused(
                [{"row": None, "column": "file", "message": "Send an .xlsx or a .csv file."}]
            )
        report = self.run(upload, upload.name)
        if not report.ok:
            return _import_refused([e.as_dict() for e in report.errors])
        return Response(
            {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )


def _import_refused(errors: list[dict]) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


@body_limit(io.MAX_IMPORT_BYTES)
class RiskImportView(_Import):
    @extend_schema(request={"multipart/form-data": s.ImportSerializer}, responses=IMPORT_RESPONSES)
    def post(self, request, **kwargs) -> Response:
        """Import a risk register (see the columns of export.xlsx)."""
        return super().post(request, **kwargs)

    def run(self, file, name: str):
        return io.import_risks(self.ctx, file, name)


@body_limit(io.MAX_IMPORT_BYTES)
class AssetImportView(_Import):
    @extend_schema(request={"multipart/form-data": s.ImportSerializer}, responses=IMPORT_RESPONSES)
    def post(self, request, **kwargs) -> Response:
        """Import the asset inventory (see the columns of export.xlsx)."""
        return super().post(request, **kwargs)

    def run(self, file, name: str):
        return io.import_assets(self.ctx, file, name)


# --- assets --------------------------------------------------------------------------------


class AssetViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The asset inventory: list with filters, create, PATCH with optimistic locking
    (``If-Match`` required), confirm a proposed asset, add the scope's units as assets."""

    queryset = Asset.objects.all()
    serializer_class = s.AssetSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        return ASSESS if getattr(self, "action", None) == "confirm" else MANAGE

    def get_serializer_class(self):
        # confirm and from-scope take no body (OPTIONS then describes no form)
        if getattr(self, "action", None) in ("confirm", "from_scope"):
            return None
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("owner", "classification")
            .prefetch_related("risks")
            .order_by("number")
        )
        if self.action == "list":
            queryset = _narrowed(filter_assets(queryset, self.request.query_params, self.ctx.org))
        return queryset

    def _fresh(self, asset: Asset, code: int = status.HTTP_200_OK) -> Response:
        asset = self.get_queryset().get(pk=asset.pk)
        data = s.AssetSerializer(asset, context=self.get_serializer_context()).data
        return with_etag(data, asset.version, code)

    @extend_schema(parameters=ASSET_FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs) -> Response:
        asset = self.get_object()
        return with_etag(self.get_serializer(asset).data, asset.version)

    @extend_schema(request=s.AssetSerializer, responses={201: s.AssetSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            asset = asset_service.create_asset(self.ctx, _asset_data(body.validated_data))
        return self._fresh(asset, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        request=s.AssetSerializer,
        responses={200: s.AssetSerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        asset = self.get_object()
        body = self.get_serializer(asset, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            with service_errors():
                asset = update_asset(
                    self.ctx,
                    asset,
                    _asset_data(body.validated_data),
                    expected_version=self.expected_version,
                )
        except StaleAssetError as exc:
            return stale_response(str(exc), exc.asset.version)
        return self._fresh(asset)

    @extend_schema(request=None, responses=s.AssetSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, **kwargs) -> Response:
        """The owner (or an ISMS manager) confirms an asset proposed from collected evidence."""
        with service_errors():
            asset = asset_service.confirm_asset(self.ctx, self.get_object())
        return self._fresh(asset)

    @extend_schema(request=None, responses={201: s.AssetSerializer(many=True)})
    @action(
        detail=False,
        methods=["post"],
        url_path="from-scope",
        pagination_class=None,
    )
    def from_scope(self, request, **kwargs) -> Response:
        """The scope's units, systems, locations and processes as assets (names already in
        the inventory are left alone); answers the assets added."""
        with service_errors():
            created = asset_service.from_scope(self.ctx)
        found = self.get_queryset().filter(pk__in=[a.pk for a in created])
        return Response(s.AssetSerializer(found, many=True).data, status=status.HTTP_201_CREATED)


def _asset_data(validated: dict) -> dict:
    data = dict(validated)
    if "classification" in data:
        data["classification"] = data["classification"] or ""
    return data
