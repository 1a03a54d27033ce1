"""The management reviews API: list, detail, create, edit (header and inputs), assemble, hold,
decisions, sign-off and the minutes. Every change goes through the services; a change to a
signed-off review is refused with 409."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from annexa.core import pdf
from annexa.core.api import PAGE_PARAMETERS, OrgAPIMixin, page_of, paged
from annexa.findings.api.views import service_errors
from annexa.reviews import minutes, services
from annexa.reviews.api import serializers as s
from annexa.reviews.models import ManagementReview, ReviewDecision, ReviewInput
from annexa.reviews.services.reviews import decisions_in_order


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The review was signed off: its record no longer changes."
    default_code = "signed_off"


@contextmanager
def review_errors():
    """A signed-off review answers 409; other refusals 400 with messages per field."""
    with service_errors():
        try:
            yield
        except services.SignedOff as exc:
            raise Conflict(" ".join(exc.messages)) from exc


class ReviewViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """Management reviews, newest first."""

    queryset = ManagementReview.objects.all()
    serializer_class = s.ManagementReviewSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        action_name = getattr(self, "action", None)
        return services.SIGN_OFF if action_name == "sign_off" else services.CHANGE

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("chair", "signed_off_by", "minutes_pdf", "minutes_docx")
            .prefetch_related(
                "attendees",
                Prefetch(
                    "inputs",
                    ReviewInput.objects.select_related("requirement").order_by(
                        "requirement__sort_key"
                    ),
                ),
                Prefetch(
                    "decisions",
                    ReviewDecision.objects.select_related("owner", "action").order_by("number"),
                ),
            )
            .order_by("-planned_date", "-reference")
        )

    def _fresh(self, review: ManagementReview, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.ManagementReviewSerializer(self.get_queryset().get(pk=review.pk)).data, status=code
        )

    def _validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        request=s.ManagementReviewWriteSerializer, responses={201: s.ManagementReviewSerializer}
    )
    def create(self, request, *args, **kwargs) -> Response:
        data = self._validated(s.ManagementReviewWriteSerializer)
        if "inputs" in data:
            raise ValidationError({"inputs": ["Edit inputs once the review exists (PATCH)."]})
        with review_errors():
            created = services.create_review(self.ctx, **data)
        return self._fresh(created, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ManagementReviewWriteSerializer, responses=s.ManagementReviewSerializer
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        """Change the header and, with ``inputs``, inputs' summaries and notes (all or none)."""
        review = self.get_object()
        data = self._validated(s.ManagementReviewWriteSerializer, partial=True)
        changes = data.pop("inputs", {})
        rows = {row.requirement_id: row for row in review.inputs.all()}
        unknown = sorted(set(changes) - set(rows))
        if unknown:
            raise ValidationError(
                {"inputs": [f"No input {k!r} in {review.reference}." for k in unknown]}
            )
        with review_errors(), transaction.atomic():
            if data:
                review = services.update_review(self.ctx, review, data)
            for key, values in changes.items():
                services.update_input(self.ctx, rows[key], **values)
        return self._fresh(review)

    @extend_schema(request=s.AssembleSerializer, responses=s.AssemblyReportSerializer)
    @action(detail=True, methods=["post"])
    def assemble(self, request, **kwargs) -> Response:
        """Fill or refresh the inputs from live data; edited summaries are kept unless
        ``replace_edited``."""
        review = self.get_object()
        data = self._validated(s.AssembleSerializer)
        with review_errors():
            report = services.assemble(self.ctx, review, replace_edited=data["replace_edited"])
        return Response(
            {"refreshed": report.refreshed, "kept": report.kept, "replaced": report.replaced}
        )

    @extend_schema(request=s.HoldSerializer, responses=s.ManagementReviewSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, **kwargs) -> Response:
        """The meeting took place: the inputs freeze."""
        review = self.get_object()
        data = self._validated(s.HoldSerializer)
        with review_errors():
            held = services.hold_review(self.ctx, review, data["held_on"])
        return self._fresh(held)

    @extend_schema(
        methods=["get"],
        request=None,
        responses=page_of(s.ReviewDecisionSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="reviews_decisions_list",
    )
    @extend_schema(
        methods=["post"],
        request=s.ReviewDecisionWriteSerializer,
        responses={201: s.ReviewDecisionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def decisions(self, request, **kwargs) -> Response:
        """The decisions; POST records one (``track`` to make it a corrective action now)."""
        review = self.get_object()
        if request.method == "GET":
            return paged(self, decisions_in_order(review), s.ReviewDecisionSerializer)
        data = self._validated(s.ReviewDecisionWriteSerializer)
        track = data.pop("track")
        with review_errors(), transaction.atomic():
            decision = services.add_decision(self.ctx, review, **data)
            if track:
                services.track_decision(self.ctx, decision)
        decision.refresh_from_db()
        return Response(s.ReviewDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TrackDecisionSerializer, responses=s.ReviewDecisionSerializer)
    @action(detail=True, methods=["post"])
    def track(self, request, **kwargs) -> Response:
        """Track decision ``number`` as a corrective action now, before sign-off."""
        review = self.get_object()
        data = self._validated(s.TrackDecisionSerializer)
        decision = get_object_or_404(review.decisions, number=data["number"])
        with review_errors():
            services.track_decision(self.ctx, decision)
        decision.refresh_from_db()
        return Response(s.ReviewDecisionSerializer(decision).data)

    @extend_schema(request=None, responses=s.ManagementReviewSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, **kwargs) -> Response:
        """Top management (the owner) signs the review off; the record freezes."""
        review = self.get_object()
        with review_errors():
            signed = services.sign_off(self.ctx, review)
        return self._fresh(signed)

    def _minutes(self, fmt: str) -> HttpResponse:
        try:
            body, media_type, filename = minutes.download(self.get_object(), fmt)
        except minutes.MinutesError as exc:
            return pdf.failure_response(self.request, exc)
        response = HttpResponse(body, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(responses={(200, minutes.PDF): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="minutes/pdf")
    def minutes_pdf(self, request, **kwargs) -> HttpResponse:
        """The minutes as PDF (the signed-off bytes once signed off)."""
        return self._minutes("pdf")

    @extend_schema(responses={(200, minutes.DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="minutes/docx")
    def minutes_docx(self, request, **kwargs) -> HttpResponse:
        """The minutes as DOCX (the signed-off bytes once signed off)."""
        return self._minutes("docx")
