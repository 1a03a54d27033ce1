"""The evidence-request API: ask from an item, list per audit and "mine", answer, cancel."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from annexa.audits.api.checklist import service_errors
from annexa.audits.choices import RequestStatus
from annexa.audits.models import Audit, ChecklistItem, EvidenceRequest
from annexa.audits.services import fieldwork, requests
from annexa.audits.services.common import CONDUCT, member_by_email
from annexa.core.api import PAGE_PARAMETERS, JSONParser, OrgAPIMixin, page_of
from annexa.core.limits import body_limit
from annexa.evidence.uploads import content_of


class EvidenceRequestSerializer(serializers.ModelSerializer):
    """A request with the item it is about and whether it is overdue."""

    item = serializers.UUIDField(source="item.uid")
    item_id = serializers.IntegerField(source="item.pk")
    subject = serializers.CharField(source="item.subject_id")
    audit = serializers.CharField(source="item.audit.reference")
    assignee = serializers.EmailField(source="assignee.email")
    requested_by = serializers.EmailField(
        source="requested_by.email", allow_null=True, default=None
    )
    overdue = serializers.SerializerMethodField()
    fulfilled_evidence = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceRequest
        fields = [
            "id",
            "uid",
            "item",
            "item_id",
            "subject",
            "audit",
            "assignee",
            "description",
            "due_date",
            "status",
            "overdue",
            "fulfilled_evidence",
            "requested_by",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def get_overdue(self, request: EvidenceRequest) -> bool:
        return requests.is_overdue(request, self.context.get("today"))

    def get_fulfilled_evidence(self, request: EvidenceRequest) -> list[str]:
        """The evidence versions that answered it, by uid."""
        return sorted(str(v.uid) for v in request.fulfilled_evidence.all())


class EvidenceRequestNewSerializer(serializers.Serializer):
    assignee = serializers.EmailField(help_text="A member who can upload evidence.")
    description = serializers.CharField()
    due_date = serializers.DateField()

    def validate_assignee(self, email: str):
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            return member_by_email(self.context["ctx"].org, email, "assignee")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["assignee"]) from exc


class EvidenceRequestAnswerSerializer(serializers.Serializer):
    file = serializers.FileField()
    valid_days = serializers.IntegerField(required=False, min_value=1, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    complete = serializers.BooleanField(required=False, default=True)


class EvidenceRequestCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


def listing(view, queryset) -> Response:
    """One page of ``queryset`` ({count, next, previous, results}), each row told today's date
    for its overdue flag."""
    found = queryset.prefetch_related("fulfilled_evidence")
    page = view.paginator.paginate_queryset(found, view.request, view=view)
    data = EvidenceRequestSerializer(page, many=True, context={"today": timezone.localdate()}).data
    return view.paginator.get_paginated_response(data)


class ItemRequestsView(OrgAPIMixin, generics.GenericAPIView):
    """The requests about checklist item ``pk``; POST asks for evidence."""

    queryset = ChecklistItem.objects.all()
    serializer_class = EvidenceRequestNewSerializer
    parser_classes = [JSONParser, FormParser]
    permission_required = CONDUCT

    def get_queryset(self):
        return super().get_queryset().select_related("audit")

    @extend_schema(
        operation_id="audits_checklist_items_requests_list",
        responses=page_of(EvidenceRequestSerializer),
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request, **kwargs) -> Response:
        item = self.get_object()
        found = requests.requests_of(self.ctx.org).filter(item=item)
        return listing(self, found)

    @extend_schema(request=EvidenceRequestNewSerializer, responses={201: EvidenceRequestSerializer})
    def post(self, request, **kwargs) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            created = requests.create_request(self.ctx, item, **serializer.validated_data)
        return Response(EvidenceRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class AuditRequestsView(OrgAPIMixin, generics.GenericAPIView):
    """Every evidence request of audit ``pk``."""

    queryset = Audit.objects.all()
    serializer_class = EvidenceRequestSerializer

    @extend_schema(
        operation_id="audits_requests_list",
        responses=page_of(EvidenceRequestSerializer),
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request, **kwargs) -> Response:
        audit = self.get_object()
        found = requests.requests_of(self.ctx.org).filter(item__audit=audit)
        return listing(self, found)


class MyRequestsView(OrgAPIMixin, generics.GenericAPIView):
    """The requests assigned to the caller (``?status=open`` for the open ones)."""

    queryset = EvidenceRequest.objects.all()
    serializer_class = EvidenceRequestSerializer

    @extend_schema(
        operation_id="audits_requests_mine_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=RequestStatus.values),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(EvidenceRequestSerializer),
    )
    def get(self, request, **kwargs) -> Response:
        found = requests.requests_of(self.ctx.org).filter(assignee=self.ctx.user)
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in RequestStatus.values:
            raise serializers.ValidationError(
                {"status": f"one of {', '.join(RequestStatus.values)}"}
            )
        if wanted:
            found = found.filter(status=wanted)
        return listing(self, found)


class RequestView(OrgAPIMixin, generics.RetrieveAPIView):
    """One evidence request."""

    queryset = EvidenceRequest.objects.all()
    serializer_class = EvidenceRequestSerializer

    def get_queryset(self):
        return requests.requests_of(self.ctx.org).prefetch_related("fulfilled_evidence")


@body_limit("UPLOAD_MAX_BYTES")
class AnswerView(OrgAPIMixin, generics.GenericAPIView):
    """Upload the evidence asked for: stored, linked to the item and its subject."""

    queryset = EvidenceRequest.objects.all()
    serializer_class = EvidenceRequestAnswerSerializer
    parser_classes = [MultiPartParser, FormParser]
    permission_required = "evidence.add"

    def get_queryset(self):
        return requests.requests_of(self.ctx.org)

    @extend_schema(
        request={"multipart/form-data": EvidenceRequestAnswerSerializer},
        responses={201: EvidenceRequestSerializer},
    )
    def post(self, request, **kwargs) -> Response:
        entry = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = fieldwork.NewEvidence(
            filename=data["file"].name,
            valid_days=data.get("valid_days"),
            **content_of(data["file"]),
        )
        with service_errors():
            requests.fulfil(self.ctx, entry, upload, note=data["note"], complete=data["complete"])
        entry.refresh_from_db()
        return Response(EvidenceRequestSerializer(entry).data, status=status.HTTP_201_CREATED)


class CancelView(OrgAPIMixin, generics.GenericAPIView):
    """Withdraw an open request, with the reason."""

    queryset = EvidenceRequest.objects.all()
    serializer_class = EvidenceRequestCancelSerializer
    permission_required = CONDUCT

    def get_queryset(self):
        return requests.requests_of(self.ctx.org)

    @extend_schema(request=EvidenceRequestCancelSerializer, responses=EvidenceRequestSerializer)
    def post(self, request, **kwargs) -> Response:
        entry = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            entry = requests.cancel(self.ctx, entry, serializer.validated_data["reason"])
        return Response(EvidenceRequestSerializer(entry).data)
