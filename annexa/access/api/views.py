"""The access-review API, mounted at ``/api/v1/orgs/<org>/access-reviews/``: campaigns (list
with the page's filters, retrieve with the version as ETag, create), a campaign's accounts
(filtered), decide, confirm a self-review, mark a revocation done, close and import an account
list (both with ``If-Match``: they change the campaign). Every member reads; ``access.manage``
runs campaigns; the reviewer an account names decides on it."""

from __future__ import annotations

from django.db import transaction
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

from annexa.access import io, services
from annexa.access.choices import Decision, ReviewerMode, ReviewStatus
from annexa.access.filters import ITEM_SHOW, filter_items, filter_reviews
from annexa.access.models import AccessReview, ReviewItem
from annexa.core.api import (
    IF_MATCH,
    PRECONDITION_RESPONSES,
    JSONParser,
    OrgAPIMixin,
    TextField,
    VersionedAPIMixin,
    if_match,
    stale_response,
    with_etag,
)
from annexa.core.limits import body_limit
from annexa.evidence.uploads import limit_uploads
from annexa.findings.api.serializers import OrgSlugField
from annexa.findings.api.views import service_errors

# --- serializers -------------------------------------------------------------------------------


class AccessItemSerializer(serializers.ModelSerializer):
    reviewer = serializers.EmailField(source="reviewer.email")
    decided_by = serializers.EmailField(source="decided_by.email", default=None, allow_null=True)
    confirmed_by = serializers.EmailField(
        source="confirmed_by.email", default=None, allow_null=True
    )
    revoked_by = serializers.EmailField(source="revoked_by.email", default=None, allow_null=True)
    state = serializers.CharField(help_text="undecided, awaiting confirmation, Keep or Revoke.")
    awaiting_confirmation = serializers.BooleanField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "uid",
            "username",
            "email",
            "display_name",
            "person_name",
            "orphan",
            "entitlements",
            "privileged",
            "enabled",
            "last_login",
            "reviewer",
            "self_review",
            "state",
            "decision",
            "reason",
            "justification",
            "decided_by",
            "decided_at",
            "awaiting_confirmation",
            "confirmed_by",
            "confirmed_at",
            "revocation",
            "revoked_by",
            "revoked_at",
            "revocation_note",
            "verified_at",
            "verified_how",
        ]
        read_only_fields = fields


class AccessProgressSerializer(serializers.Serializer):
    accounts = serializers.IntegerField()
    decided = serializers.IntegerField()
    undecided = serializers.IntegerField()
    awaiting_confirmation = serializers.IntegerField()
    orphans = serializers.IntegerField()
    privileged = serializers.IntegerField()
    kept = serializers.IntegerField()
    revoked = serializers.IntegerField()
    revocation_pending = serializers.IntegerField()
    revocation_done = serializers.IntegerField()
    revocation_verified = serializers.IntegerField()


class AccessReviewSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    system_owner = serializers.EmailField(source="system_owner.email")
    opened_by = serializers.EmailField(source="opened_by.email", default=None, allow_null=True)
    closed_by = serializers.EmailField(source="closed_by.email", default=None, allow_null=True)
    evidence = serializers.UUIDField(source="evidence.uid", default=None, allow_null=True)
    record_sha256 = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = AccessReview
        fields = [
            "id",
            "uid",
            "reference",
            "system",
            "description",
            "reviewer_mode",
            "system_owner",
            "due_date",
            "status",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "evidence",
            "record_sha256",
            "progress",
            "version",
        ]
        read_only_fields = fields

    def get_record_sha256(self, obj: AccessReview) -> str | None:
        return services.record_sha256(obj)

    @extend_schema_field(AccessProgressSerializer)
    def get_progress(self, obj: AccessReview) -> dict:
        return services.progress(obj)


class AccessReviewWriteSerializer(serializers.Serializer):
    system = TextField(max_length=200, help_text="A system whose accounts Annexa holds.")
    reviewer_mode = serializers.ChoiceField(choices=ReviewerMode.choices)
    system_owner = OrgSlugField(
        slug_field="email",
        scope=services.reviewers,
        help_text="The system owner's e-mail address (a member who may review).",
    )
    due_date = serializers.DateField()
    description = TextField(required=False, allow_blank=True, max_length=10_000)


class AccessDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = TextField(required=False, allow_blank=True, max_length=services.MAX_REASON)
    justification = TextField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_REASON,
        help_text="Required when the reviewer holds the account (self-review).",
    )


class AccessRevokedSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=services.MAX_NOTE)


class AccountListImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The system's complete account list, XLSX or CSV.")


# --- views -------------------------------------------------------------------------------------

REVIEW_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=ReviewStatus.values),
    OpenApiParameter("system", OpenApiTypes.STR, description="part of the system's name"),
]
ITEM_FILTERS = [
    OpenApiParameter("show", OpenApiTypes.STR, enum=[v for v, _label in ITEM_SHOW if v]),
    OpenApiParameter("q", OpenApiTypes.STR, description="user name, e-mail or person"),
]
CHANGED = {
    200: AccessReviewSerializer,
    400: OpenApiResponse(description="Refused: the reasons, by field."),
    **PRECONDITION_RESPONSES,
}


class ReviewViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Access-review campaigns, newest first."""

    queryset = AccessReview.objects.all()
    serializer_class = AccessReviewSerializer
    permission_required = services.MANAGE
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        queryset = services.reviews(self.ctx.org).order_by("-number")
        if self.action != "list":
            return queryset
        queryset, form = filter_reviews(services.with_progress(queryset), self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return queryset

    parser_classes = [JSONParser]

    def _answer(self, review: AccessReview, code: int = status.HTTP_200_OK) -> Response:
        fresh = services.reviews(self.ctx.org).get(pk=review.pk)
        return with_etag(AccessReviewSerializer(fresh).data, fresh.version, code)

    @extend_schema(parameters=REVIEW_FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=AccessReviewWriteSerializer, responses={201: AccessReviewSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        serializer = AccessReviewWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            review = services.create_review(
                self.ctx,
                system=data["system"],
                reviewer_mode=data["reviewer_mode"],
                system_owner=data["system_owner"],
                due_date=data["due_date"],
                description=data.get("description", ""),
            )
        return self._answer(review, status.HTTP_201_CREATED)

    @extend_schema(parameters=ITEM_FILTERS, responses=AccessItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request, **kwargs) -> Response:
        """The campaign's accounts, by user name, filtered like its page."""
        review = self.get_object()
        found, form = filter_items(services.items_of(review), request.query_params, self.ctx.user)
        if not form.is_valid():
            raise ValidationError(form.errors)
        page = self.paginate_queryset(found)
        if page is not None:
            return self.get_paginated_response(AccessItemSerializer(page, many=True).data)
        return Response(AccessItemSerializer(found, many=True).data)

    @extend_schema(parameters=[IF_MATCH], request=None, responses=CHANGED)
    @action(detail=True, methods=["post"])
    def close(self, request, **kwargs) -> Response:
        """Close the campaign (every account decided); the decision record is stored as
        evidence and in the ledger. 400 names how many accounts are still undecided."""
        review = self.get_object()
        expected = if_match(request, required=True)
        try:
            with service_errors():
                review = services.close(self.ctx, review, expected_version=expected)
        except services.StaleReviewError as exc:
            return stale_response(str(exc), exc.review.version)
        return self._answer(review)


@body_limit("UPLOAD_MAX_BYTES")
class ImportAPI(OrgAPIMixin, generics.GenericAPIView):
    """POST (multipart, ``file``) the campaign's system's complete account list: imported all
    or nothing (400 lists every bad row), then the campaign's accounts follow it."""

    queryset = AccessReview.objects.all()
    serializer_class = AccountListImportSerializer
    permission_required = services.MANAGE
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.uploads = limit_uploads(request)  # before DRF parses the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        parameters=[IF_MATCH],
        request={"multipart/form-data": AccountListImportSerializer},
        responses={
            **CHANGED,
            413: OpenApiResponse(description="The file is larger than the upload limit."),
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        review = get_object_or_404(services.reviews(self.ctx.org), pk=kwargs["pk"])
        serializer = AccountListImportSerializer(data=request.data)
        if self.uploads.too_large is not None:
            detail = {"detail": str(self.uploads.too_large), "code": "too_large"}
            return Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        expected = if_match(request, required=True)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        with transaction.atomic():
            locked = AccessReview.objects.select_for_update().get(pk=review.pk)
            if locked.version != expected:
                return stale_response(
                    str(services.StaleReviewError(locked, expected)), locked.version
                )
            upload.seek(0)
            data = upload.read(io.MAX_IMPORT_BYTES + 1)
            report = io.import_accounts(
                self.ctx, data, upload.name, system=review.system, review=locked
            )
        if not report.ok:
            return Response(
                {"detail": report.summary(), "errors": [e.as_dict() for e in report.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fresh = services.reviews(self.ctx.org).get(pk=review.pk)
        body = {**AccessReviewSerializer(fresh).data, "import": report.as_dict()}
        return with_etag(body, fresh.version)


class SystemImportSerializer(serializers.Serializer):
    system = TextField(max_length=200, help_text="The system the list belongs to.")
    file = serializers.FileField(help_text="The system's complete account list, XLSX or CSV.")


@body_limit("UPLOAD_MAX_BYTES")
class SystemImportAPI(OrgAPIMixin, generics.GenericAPIView):
    """POST (multipart: ``system``, ``file``) a system's complete account list, before a
    campaign is opened over it (``annexa access-review import-accounts``): imported all or
    nothing (400 lists every bad row). An open campaign of that system follows the new list;
    to refresh a campaign whose version you hold, post to its own ``import/`` with
    ``If-Match``."""

    queryset = AccessReview.objects.all()
    serializer_class = SystemImportSerializer
    permission_required = services.MANAGE
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.uploads = limit_uploads(request)  # before DRF parses the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": SystemImportSerializer},
        responses={
            200: OpenApiResponse(description="What the import did (counts, the campaign)."),
            400: OpenApiResponse(description="Every bad row, by row and column."),
            413: OpenApiResponse(description="The file is larger than the upload limit."),
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        serializer = SystemImportSerializer(data=request.data)
        if self.uploads.too_large is not None:
            detail = {"detail": str(self.uploads.too_large), "code": "too_large"}
            return Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        upload.seek(0)
        data = upload.read(io.MAX_IMPORT_BYTES + 1)
        report = io.import_accounts(
            self.ctx, data, upload.name, system=serializer.validated_data["system"]
        )
        if not report.ok:
            return Response(
                {"detail": report.summary(), "errors": [e.as_dict() for e in report.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(report.as_dict())


class _ItemAPI(OrgAPIMixin, generics.GenericAPIView):
    queryset = ReviewItem.objects.all()
    permission_required = services.REVIEW
    parser_classes = [JSONParser]

    def item(self) -> ReviewItem:
        queryset = ReviewItem.objects.for_org(self.ctx.org).select_related("review", "reviewer")
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def answer(self, item: ReviewItem) -> Response:
        fresh = services.items_of(item.review).get(pk=item.pk)
        return Response(AccessItemSerializer(fresh).data)


class DecideAPI(_ItemAPI):
    """POST the reviewer's decision on the account: keep or revoke, with the reason (to
    revoke, or to keep a privileged or orphan account) and, on one's own account, the
    justification (another reviewer then confirms)."""

    serializer_class = AccessDecisionSerializer

    @extend_schema(request=AccessDecisionSerializer, responses=AccessItemSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        item = self.item()
        serializer = AccessDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            item = services.decide(
                self.ctx,
                item,
                data["decision"],
                reason=data.get("reason", ""),
                justification=data.get("justification", ""),
            )
        return self.answer(item)


class ConfirmAPI(_ItemAPI):
    """POST: a second reviewer confirms a self-review's decision."""

    serializer_class = None

    def get_serializer_class(self):
        """None: the request has no body, so OPTIONS describes no form (core.api.Metadata)."""
        return None

    @extend_schema(request=None, responses=AccessItemSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        with service_errors():
            item = services.confirm(self.ctx, self.item())
        return self.answer(item)


class RevokedAPI(_ItemAPI):
    """POST: the revoked access was removed in the system (with a ticket or note)."""

    serializer_class = AccessRevokedSerializer

    @extend_schema(request=AccessRevokedSerializer, responses=AccessItemSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        item = self.item()  # a wrong id is a 404 before the body is read
        serializer = AccessRevokedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            item = services.mark_revoked(self.ctx, item, serializer.validated_data.get("note", ""))
        return self.answer(item)
