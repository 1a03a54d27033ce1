"""The supplier register's API, mounted at ``/api/v1/orgs/<org>/suppliers/``: list (the
page's filters), retrieve, create, PATCH with optimistic locking (``If-Match``), retire and
reinstate, and a supplier's assessments (list; create as JSON, or multipart with the
certificate or report file stored as evidence). Every member reads; ``risks.manage`` changes."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annexa.core.api import (
    IF_MATCH,
    PAGE_PARAMETERS,
    PRECONDITION_RESPONSES,
    JSONParser,
    OrgAPIMixin,
    TextField,
    VersionedAPIMixin,
    page_of,
    paged,
    stale_response,
    with_etag,
)
from annexa.core.limits import body_limit
from annexa.evidence.uploads import content_of, limit_uploads
from annexa.findings.api.serializers import OrgSlugField, org_members
from annexa.findings.api.views import service_errors
from annexa.risks.choices import Criticality, SupplierAssessmentKind, SupplierAssessmentResult
from annexa.risks.models import Supplier, SupplierAssessment
from annexa.risks.services import suppliers as services
from annexa.risks.services.common import MANAGE
from annexa.risks.supplier_forms import CERTIFICATE_CHOICES, filter_suppliers

# --- serializers -------------------------------------------------------------------------------


KINDS = ", ".join(SupplierAssessmentKind.values)
RESULTS = ", ".join(SupplierAssessmentResult.values)


class AssessmentSerializer(serializers.ModelSerializer):
    # Plain strings here: the choices are the request's enums (one schema component each,
    # so the published enums keep readable names).
    kind = serializers.CharField(help_text=f"One of {KINDS}.")
    result = serializers.CharField(help_text=f"One of {RESULTS}.")
    evidence = serializers.UUIDField(
        source="evidence.uid", default=None, allow_null=True, help_text="The evidence's uid."
    )
    recorded_by = serializers.EmailField(source="recorded_by.email", default=None, allow_null=True)
    expired = serializers.SerializerMethodField()

    class Meta:
        model = SupplierAssessment
        fields = [
            "id",
            "uid",
            "kind",
            "assessed_on",
            "expires_on",
            "expired",
            "result",
            "notes",
            "evidence",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_expired(self, obj: SupplierAssessment) -> bool:
        return obj.is_expired()


class CertificateSerializer(serializers.Serializer):
    """The supplier's latest certificate or report."""

    state = serializers.ChoiceField(choices=["none", "valid", "expiring", "expired"])
    text = serializers.CharField(help_text="Where it stands, in words.")
    kind = serializers.CharField(allow_null=True, help_text=f"One of {KINDS}; null for none.")
    expires_on = serializers.DateField(allow_null=True)


class SupplierSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    owner = serializers.EmailField(source="owner.email", default=None, allow_null=True)
    risks = serializers.SerializerMethodField()
    asset = serializers.CharField(source="asset.reference", default=None, allow_null=True)
    review_overdue = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    assessments = AssessmentSerializer(many=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "uid",
            "reference",
            *services.EDITABLE,  # name … asset
            "review_overdue",
            "retired",
            "certificate",
            "assessments",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_risks(self, obj: Supplier) -> list[str]:
        return sorted(r.reference for r in obj.risks.all())

    def get_review_overdue(self, obj: Supplier) -> bool:
        return services.is_review_overdue(obj)

    @extend_schema_field(CertificateSerializer)
    def get_certificate(self, obj: Supplier) -> dict:
        status_ = services.status_of(obj)
        latest = status_.assessment
        return {
            "state": status_.state,
            "text": status_.text,
            "kind": latest.kind if latest else None,
            "expires_on": latest.expires_on if latest else None,
        }


class SupplierWriteSerializer(serializers.Serializer):
    """Creating: ``name``, ``service`` and ``criticality`` are required; editing: any field."""

    name = TextField(max_length=200, required=False)
    service = TextField(max_length=300, required=False)
    criticality = serializers.ChoiceField(choices=Criticality.choices, required=False)
    data_shared = TextField(required=False, allow_blank=True, max_length=10_000)
    contract = TextField(required=False, allow_blank=True, max_length=300)
    security_clauses = TextField(required=False, allow_blank=True, max_length=10_000)
    owner = OrgSlugField(
        slug_field="email",
        scope=org_members,
        required=False,
        allow_null=True,
        help_text="A member's e-mail address; null for nobody.",
    )
    review_date = serializers.DateField(required=False, allow_null=True)
    risks = serializers.ListField(
        child=TextField(max_length=20),
        required=False,
        help_text="The risks it brings, by reference (R-0003); replaces the list.",
    )
    asset = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=20,
        help_text="The asset of the kind Supplier standing for it, by reference (AS-0004).",
    )


class RetireSerializer(serializers.Serializer):
    reason = TextField(max_length=2000, help_text="Why the supplier is retired.")


class AssessmentWriteSerializer(serializers.Serializer):
    """A JSON body, or a multipart form with ``file`` (the certificate or report)."""

    kind = serializers.ChoiceField(choices=SupplierAssessmentKind.choices)
    assessed_on = serializers.DateField()
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Required for a certificate or report: when it stops counting.",
    )
    result = serializers.ChoiceField(choices=SupplierAssessmentResult.choices)
    notes = TextField(required=False, allow_blank=True, max_length=10_000)
    next_review = serializers.DateField(
        required=False, allow_null=True, help_text="Sets the supplier's next review date."
    )
    file = serializers.FileField(
        required=False, help_text="Multipart only: stored as evidence of A.5.22."
    )


# --- views -------------------------------------------------------------------------------------

FILTERS = [
    OpenApiParameter("criticality", OpenApiTypes.STR, enum=Criticality.values),
    OpenApiParameter(
        "certificate",
        OpenApiTypes.STR,
        enum=[value for value, _label in CERTIFICATE_CHOICES if value],
        description="attention: expired or expiring within 30 days",
    ),
    OpenApiParameter("overdue", OpenApiTypes.STR, enum=["true", "false"]),
    OpenApiParameter("owner", OpenApiTypes.STR, description="e-mail address, or 'none'"),
    OpenApiParameter("retired", OpenApiTypes.STR, enum=["true", "false"]),
    OpenApiParameter("q", OpenApiTypes.STR, description="text, or a reference such as SUP-004"),
]
VERSIONED = {200: SupplierSerializer, 412: PRECONDITION_RESPONSES[412]}


class SupplierViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Suppliers, by name; retired ones only with ``retired=true``."""

    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    permission_required = MANAGE
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = services.register(self.ctx.org).order_by("name")
        if self.action != "list":
            return queryset
        queryset, form = filter_suppliers(queryset, self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return queryset

    def _answer(self, supplier: Supplier, code: int = status.HTTP_200_OK) -> Response:
        fresh = services.register(self.ctx.org).get(pk=supplier.pk)
        return with_etag(SupplierSerializer(fresh).data, fresh.version, code)

    def _validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=SupplierWriteSerializer, responses={201: SupplierSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = self._validated(SupplierWriteSerializer)
        with service_errors():
            supplier = services.create_supplier(self.ctx, data)
        return self._answer(supplier, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        request=SupplierWriteSerializer,
        responses={**VERSIONED, 428: PRECONDITION_RESPONSES[428]},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        supplier = self.get_object()
        data = self._validated(SupplierWriteSerializer, partial=True)
        try:
            with service_errors():
                supplier = services.update_supplier(
                    self.ctx, supplier, data, expected_version=self.expected_version
                )
        except services.StaleSupplierError as exc:
            return stale_response(str(exc), exc.supplier.version)
        return self._answer(supplier)

    @extend_schema(request=RetireSerializer, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, **kwargs) -> Response:
        """Retire the supplier (no longer used), saying why."""
        supplier = self.get_object()
        data = self._validated(RetireSerializer)
        with service_errors():
            supplier = services.retire_supplier(self.ctx, supplier, data["reason"])
        return self._answer(supplier)

    @extend_schema(request=None, responses=SupplierSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, **kwargs) -> Response:
        """Use a retired supplier again."""
        with service_errors():
            supplier = services.reinstate_supplier(self.ctx, self.get_object())
        return self._answer(supplier)


@body_limit("UPLOAD_MAX_BYTES")
class SupplierAssessmentsAPI(OrgAPIMixin, generics.GenericAPIView):
    """GET: the supplier's assessments, newest first. POST: record one (JSON, or multipart
    with ``file``, the certificate or report, stored as evidence)."""

    queryset = Supplier.objects.all()
    serializer_class = AssessmentWriteSerializer
    permission_required = MANAGE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.uploads = limit_uploads(request)  # before DRF parses the body
        return super().initialize_request(request, *args, **kwargs)

    def supplier(self) -> Supplier:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        responses=page_of(AssessmentSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="suppliers_assessments_list",
    )
    def get(self, request, *args, **kwargs) -> Response:
        found = self.supplier().assessments.select_related("evidence", "recorded_by")
        ordered = found.order_by("-assessed_on", "-recorded_at", "-pk")
        return paged(self, ordered, AssessmentSerializer)

    @extend_schema(
        request=AssessmentWriteSerializer,
        responses={
            201: AssessmentSerializer,
            413: OpenApiResponse(description="The file is larger than the upload limit."),
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        supplier = self.supplier()
        serializer = AssessmentWriteSerializer(data=request.data)  # parses the body
        if self.uploads.too_large is not None:
            detail = {"detail": str(self.uploads.too_large), "code": "too_large"}
            return Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload = data.pop("file", None)
        if data.get("next_review", ...) is None:
            data.pop("next_review")  # null: the review date stays
        with service_errors():
            assessment = services.record_assessment(
                self.ctx,
                supplier,
                data,
                upload=(
                    services.Upload(filename=upload.name, **content_of(upload)) if upload else None
                ),
            )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)
