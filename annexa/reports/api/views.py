"""The reports API: draft downloads, issuing, issued versions and their files, settings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.audits.models import Audit
from annexa.core import pdf
from annexa.core.api import PAGE_PARAMETERS, OrgAPIMixin, page_of, paged
from annexa.reports import services
from annexa.reports.api.serializers import (
    IssuedReportSerializer,
    ReportReviewSerializer,
    ReportSettingsSerializer,
)
from annexa.reports.downloads import file_response
from annexa.reports.models import IssuedReport, ReportSettings

FILE = OpenApiResponse(description="The report file (binary).")


class AuditAPIMixin(OrgAPIMixin):
    queryset = Audit.objects.all()
    permission_required = "audit.conduct"  # services narrow this to the lead and managers

    def audit(self) -> Audit:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


def _problem(exc: Exception, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return Response({"detail": " ".join(messages)}, status=code)


class DraftView(AuditAPIMixin, APIView):
    """A draft of the audit's report, generated now (``pdf``, ``docx``, ``html``, ``md``,
    ``oscal``)."""

    @extend_schema(responses={200: FILE})
    def get(self, request, org, pk, report_format):
        try:
            body, name = services.draft(self.ctx, self.audit(), report_format)
        except services.ReportUnavailable as exc:
            return pdf.failure_response(request, exc)
        except services.ReportError as exc:
            return _problem(exc)
        return file_response(body, name, report_format)


class IssuedListView(AuditAPIMixin, generics.ListAPIView):
    """The issued versions of the audit's report, newest first, with each file's SHA-256."""

    serializer_class = IssuedReportSerializer

    @extend_schema(responses=page_of(IssuedReportSerializer), parameters=PAGE_PARAMETERS)
    def list(self, request, *args, **kwargs):
        issued = (
            IssuedReport.objects.for_org(self.ctx.org)
            .filter(audit=self.audit())
            .select_related("audit", "issued_by")
            .prefetch_related("files__version")
            .order_by("-number")
        )
        return paged(self, issued, IssuedReportSerializer)


class IssueView(AuditAPIMixin, APIView):
    """Issue (freeze) a new version of the audit's report."""

    @extend_schema(request=None, responses={201: IssuedReportSerializer})
    def post(self, request, org, pk):
        try:
            issued = services.issue(self.ctx, self.audit())
        except services.ReportError as exc:
            return _problem(exc, status.HTTP_409_CONFLICT)
        return Response(IssuedReportSerializer(issued).data, status=status.HTTP_201_CREATED)


STEPS = {
    "submit": services.submit_for_review,
    "review": services.mark_reviewed,
    "approve": services.approve,
}


class ReviewView(AuditAPIMixin, APIView):
    """The review of the report's next version (404 before it is submitted)."""

    @extend_schema(responses=ReportReviewSerializer)
    def get(self, request, org, pk):
        review = services.open_review(self.audit())
        if review is None:
            raise Http404("the report has not been submitted for review")
        return Response(ReportReviewSerializer(review).data)


class ReviewStepView(AuditAPIMixin, APIView):
    """A step before issue: ``submit`` (lead auditor or ISMS manager), ``review`` (the lead
    auditor), ``approve`` (the audit programme's approver). 403 names who may take it."""

    @extend_schema(request=None, responses={200: ReportReviewSerializer})
    def post(self, request, org, pk, step):
        if step not in STEPS:
            raise Http404("no such review step; use submit, review or approve")
        try:
            review = STEPS[step](self.ctx, self.audit())
        except PermissionDenied as exc:
            return _problem(exc, status.HTTP_403_FORBIDDEN)
        except services.ReportError as exc:
            return _problem(exc, status.HTTP_409_CONFLICT)
        return Response(ReportReviewSerializer(review).data)


class IssuedFileView(AuditAPIMixin, APIView):
    """The exact stored bytes of one format of an issued version."""

    @extend_schema(responses={200: FILE})
    def get(self, request, org, pk, number, report_format):
        issued = get_object_or_404(
            IssuedReport.objects.for_org(self.ctx.org), audit=self.audit(), number=number
        )
        try:
            body, file = services.issued_bytes(issued, report_format)
        except services.ReportError as exc:
            raise Http404(str(exc)) from None
        return file_response(body, file.version.filename, file.format)


class SettingsView(AuditAPIMixin, APIView):
    """The report guidance of the audit: readers, distribution, classification, retention."""

    @extend_schema(responses=ReportSettingsSerializer)
    def get(self, request, org, pk):
        return Response(ReportSettingsSerializer(ReportSettings.for_audit(self.audit())).data)

    @extend_schema(request=ReportSettingsSerializer, responses=ReportSettingsSerializer)
    def patch(self, request, org, pk):
        audit = self.audit()
        serializer = ReportSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            saved = services.update_settings(self.ctx, audit, dict(request.data.items()))
        except ValidationError as exc:
            return _problem(exc)
        return Response(ReportSettingsSerializer(saved).data)
