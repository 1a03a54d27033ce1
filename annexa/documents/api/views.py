"""The documents API, mounted at ``/api/v1/orgs/<org>/documents/``: the register (list with
the page's filters, retrieve, create, PATCH with ``If-Match``, retire, confirm a review), a
document's versions (list; create as JSON Markdown or multipart with the file), a version's
workflow (submit, review, return, approve), acknowledgement campaigns (list, retrieve with
each person, launch, close) and acknowledgements (confirm). Every member reads."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
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
    VersionedAPIMixin,
    page_of,
    paged,
    stale_response,
    with_etag,
)
from annexa.core.limits import body_limit
from annexa.documents.api import serializers as s
from annexa.documents.choices import DocumentKind
from annexa.documents.forms import REVIEW_CHOICES, STATUS_CHOICES, filter_documents
from annexa.documents.models import AckCampaign, Acknowledgement, Document, DocumentVersion
from annexa.documents.services import campaigns, register, versions
from annexa.documents.services.campaigns import ACKNOWLEDGE
from annexa.documents.services.register import APPROVE, MANAGE, REVIEW
from annexa.evidence.uploads import content_of, limit_uploads
from annexa.findings.api.views import service_errors

FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=[v for v, _ in STATUS_CHOICES if v]),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=DocumentKind.values),
    OpenApiParameter("owner", OpenApiTypes.STR, description="e-mail address, or 'none'"),
    OpenApiParameter("review", OpenApiTypes.STR, enum=[v for v, _ in REVIEW_CHOICES if v]),
    OpenApiParameter("control", OpenApiTypes.STR, description="A.5.1, or a clause such as 7.5"),
    OpenApiParameter("q", OpenApiTypes.STR, description="text, or a reference such as DOC-004"),
]


def _validated(view, serializer_class, **kwargs) -> dict:
    serializer = serializer_class(
        data=view.request.data, context=view.get_serializer_context(), **kwargs
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DocumentViewSet(
    VersionedAPIMixin,
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The document register, by reference."""

    queryset = Document.objects.all()
    serializer_class = s.DocumentSerializer
    permission_required = MANAGE
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = (
            register.register(self.ctx.org)
            .prefetch_related("reviewers", "clauses", "controls")
            .order_by("number")
        )
        if self.action != "list":
            return queryset
        queryset, form = filter_documents(queryset, self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return queryset

    def _answer(self, document: Document, code: int = status.HTTP_200_OK) -> Response:
        fresh = register.register(self.ctx.org).get(pk=document.pk)
        return with_etag(s.DocumentDetailSerializer(fresh).data, fresh.version, code)

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=s.DocumentDetailSerializer)
    def retrieve(self, request, *args, **kwargs) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=s.DocumentWriteSerializer, responses={201: s.DocumentDetailSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = _validated(self, s.DocumentWriteSerializer)
        markdown = data.pop("markdown", None)
        with service_errors():
            document = register.create_document(self.ctx, data, markdown=markdown)
        return self._answer(document, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        request=s.DocumentWriteSerializer,
        responses={
            200: s.DocumentDetailSerializer,
            412: PRECONDITION_RESPONSES[412],
            428: PRECONDITION_RESPONSES[428],
        },
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        document = self.get_object()
        data = _validated(self, s.DocumentWriteSerializer, partial=True)
        if "markdown" in data:
            raise ValidationError({"markdown": "Post a new version to change the text."})
        try:
            with service_errors():
                document = register.update_document(
                    self.ctx, document, data, expected_version=self.expected_version
                )
        except register.StaleDocumentError as exc:
            return stale_response(str(exc), exc.document.version)
        return self._answer(document)

    @extend_schema(request=s.DocumentReasonSerializer, responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, **kwargs) -> Response:
        """Retire the document, saying why."""
        document = self.get_object()
        data = _validated(self, s.DocumentReasonSerializer)
        with service_errors():
            register.retire(self.ctx, document, data["reason"])
        return self._answer(document)

    @extend_schema(request=s.DocumentNoteSerializer, responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-review")
    def confirm_review(self, request, **kwargs) -> Response:
        """The approved document was reviewed and stays: the next review is one interval on."""
        document = self.get_object()
        data = _validated(self, s.DocumentNoteSerializer)
        with service_errors():
            register.confirm_review(self.ctx, document, data.get("note", ""))
        return self._answer(document)


@body_limit("UPLOAD_MAX_BYTES")
class DocumentVersionsAPI(OrgAPIMixin, generics.GenericAPIView):
    """GET: the document's versions, newest first. POST: start the next version (JSON with
    ``markdown``, or multipart with ``file``, stored as evidence)."""

    queryset = Document.objects.all()
    serializer_class = s.DocumentVersionWriteSerializer
    permission_required = MANAGE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.uploads = limit_uploads(request)  # before DRF parses the body
        return super().initialize_request(request, *args, **kwargs)

    def document(self) -> Document:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        responses=page_of(s.DocumentVersionSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="documents_versions_list",
    )
    def get(self, request, *args, **kwargs) -> Response:
        versions = self.document().versions.select_related(
            "document",
            "author",
            "submitted_by",
            "reviewed_by",
            "approved_by",
            "evidence__current_version",
        )
        return paged(self, versions, s.DocumentVersionSerializer)

    @extend_schema(
        request=s.DocumentVersionWriteSerializer,
        responses={
            201: s.DocumentVersionSerializer,
            413: OpenApiResponse(description="The file is larger than the upload limit."),
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        document = self.document()
        serializer = s.DocumentVersionWriteSerializer(data=request.data)
        if self.uploads.too_large is not None:
            detail = {"detail": str(self.uploads.too_large), "code": "too_large"}
            return Response(detail, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        with service_errors():
            version = versions.add_version(
                self.ctx,
                document,
                markdown=data.get("markdown"),
                upload=(
                    register.Upload(filename=upload.name, **content_of(upload)) if upload else None
                ),
                change_summary=data.get("change_summary", ""),
                major=data.get("major", False),
            )
        return Response(s.DocumentVersionSerializer(version).data, status=status.HTTP_201_CREATED)


VERSION_PERMISSIONS = {
    "submit": MANAGE,
    "return_to_draft": MANAGE,
    "review": REVIEW,
    "approve": APPROVE,
}


class VersionViewSet(OrgAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One version and its workflow steps."""

    queryset = DocumentVersion.objects.all()
    serializer_class = s.DocumentVersionSerializer
    lookup_value_regex = r"\d+"

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        return VERSION_PERMISSIONS.get(getattr(self, "action", None) or "", MANAGE)

    def get_queryset(self):
        return DocumentVersion.objects.for_org(self.ctx.org).select_related(
            "document",
            "author",
            "submitted_by",
            "reviewed_by",
            "approved_by",
            "evidence__current_version",
        )

    def _answer(self, version: DocumentVersion) -> Response:
        return Response(s.DocumentVersionSerializer(self.get_queryset().get(pk=version.pk)).data)

    @extend_schema(request=None, responses=s.DocumentVersionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, **kwargs) -> Response:
        """Send the draft for review."""
        with service_errors():
            version = versions.submit(self.ctx, self.get_object())
        return self._answer(version)

    @extend_schema(request=s.DocumentCommentSerializer, responses=s.DocumentVersionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, **kwargs) -> Response:
        """Record your review of the version in review."""
        version = self.get_object()
        data = _validated(self, s.DocumentCommentSerializer)
        with service_errors():
            version = versions.record_review(self.ctx, version, data.get("comment", ""))
        return self._answer(version)

    @extend_schema(request=s.DocumentReasonSerializer, responses=s.DocumentVersionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, **kwargs) -> Response:
        """Send the version in review back to its author."""
        version = self.get_object()
        data = _validated(self, s.DocumentReasonSerializer)
        with service_errors():
            version = versions.return_to_draft(self.ctx, version, data["reason"])
        return self._answer(version)

    @extend_schema(request=None, responses=s.DocumentVersionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, **kwargs) -> Response:
        """Approve the version in review (never its author)."""
        with service_errors():
            version = versions.approve(self.ctx, self.get_object())
        return self._answer(version)


class CampaignViewSet(
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Acknowledgement campaigns, newest first."""

    queryset = AckCampaign.objects.all()
    serializer_class = s.AckCampaignSerializer
    permission_required = MANAGE
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        queryset = (
            AckCampaign.objects.for_org(self.ctx.org)
            .select_related("document", "document_version", "created_by")
            .annotate(
                asked_count=Count("acknowledgements"),
                acknowledged_count=Count(
                    "acknowledgements", filter=Q(acknowledgements__acknowledged_on__isnull=False)
                ),
            )
            .order_by("-number")
        )
        if self.action == "retrieve":  # the detail lists every acknowledgement
            queryset = queryset.prefetch_related(
                Prefetch(
                    "acknowledgements",
                    queryset=Acknowledgement.objects.select_related("person", "recorded_by"),
                )
            )
        return queryset

    @extend_schema(responses=s.AckCampaignDetailSerializer)
    def retrieve(self, request, *args, **kwargs) -> Response:
        return Response(s.AckCampaignDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=s.AckCampaignWriteSerializer, responses={201: s.AckCampaignDetailSerializer}
    )
    def create(self, request, *args, **kwargs) -> Response:
        data = _validated(self, s.AckCampaignWriteSerializer)
        document = register.find(self.ctx.org, data["document"])
        if document is None:
            raise ValidationError({"document": f"{data['document']} is not in the register."})
        with service_errors():
            campaign = campaigns.launch(
                self.ctx,
                document,
                due_date=data["due_date"],
                scope=data["scope"],
                department=data.get("department", ""),
                people=data.get("people", []),
            )
        return Response(
            s.AckCampaignDetailSerializer(campaign).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=s.AckCampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, **kwargs) -> Response:
        """Close the campaign: no more confirmations or reminders."""
        with service_errors():
            campaign = campaigns.close(self.ctx, self.get_object())
        return Response(s.AckCampaignSerializer(campaign).data)


class AcknowledgementViewSet(OrgAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One person's acknowledgement; ``confirm`` records it (your own, or a manager for
    someone else with the date they confirmed)."""

    queryset = Acknowledgement.objects.all()
    serializer_class = s.DocumentAcknowledgementSerializer
    permission_required = ACKNOWLEDGE
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Acknowledgement.objects.for_org(self.ctx.org).select_related(
            "campaign", "person", "recorded_by"
        )

    @extend_schema(
        request=s.AcknowledgeWriteSerializer, responses=s.DocumentAcknowledgementSerializer
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, **kwargs) -> Response:
        ack = self.get_object()
        data = _validated(self, s.AcknowledgeWriteSerializer)
        with service_errors():
            ack = campaigns.acknowledge(
                self.ctx,
                ack,
                on=data.get("acknowledged_on"),
                note=data.get("note", ""),
            )
        return Response(
            s.DocumentAcknowledgementSerializer(self.get_queryset().get(pk=ack.pk)).data
        )
