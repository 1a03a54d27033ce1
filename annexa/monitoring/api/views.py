"""Monitoring API: control statuses, coverage, test runs and results, status changes, tests."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.core.api import OBJECT_LIST, OrgAPIMixin
from annexa.monitoring import loader
from annexa.monitoring import status as derivation
from annexa.monitoring.api.serializers import (
    NotificationSerializer,
    SettingsSerializer,
    StatusChangeSerializer,
    TestResultSerializer,
    TestRunDetailSerializer,
    TestRunSerializer,
    control_view,
)
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlStatusChange, Notification, TestResult, TestRun
from annexa.monitoring.services import notifications


class ControlStatusListAPI(OrgAPIMixin, APIView):
    """Every Annex A control with its derived status (``?status=failing`` filters)."""

    @extend_schema(
        operation_id="monitoring_controls_list",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=ControlStatus.values)],
        responses={200: OBJECT_LIST},
    )
    def get(self, request, *args, **kwargs):
        wanted = request.query_params.get("status")
        if wanted and wanted not in ControlStatus.values:
            raise serializers.ValidationError(
                {"status": f"one of {', '.join(ControlStatus.values)}"}
            )
        views = derivation.derive(self.ctx.org).values()
        return Response([control_view(v) for v in views if not wanted or v.status == wanted])


class ControlStatusAPI(OrgAPIMixin, APIView):
    """One control: status, latest result per test and system, the scanner rules of each
    system's latest file, and the tests' recent history."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        control_id = kwargs["control_id"]
        view = derivation.derive(self.ctx.org, control_ids=[control_id]).get(control_id)
        if view is None:
            raise Http404
        history = [
            r
            for r in TestResult.objects.for_org(self.ctx.org).filter(test_id__in=view.tests)[:400]
            if view.control_id in r.control_ids
        ][:200]
        body = control_view(view, detail=True)
        body["history"] = TestResultSerializer(history, many=True).data
        return Response(body)


class CoverageAPI(OrgAPIMixin, APIView):
    """Automation coverage: per control, tests available and producing results, manual
    evidence and freshness."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        views = list(derivation.derive(self.ctx.org).values())
        return Response(
            {
                "controls": len(views),
                "tested_automatically": sum(1 for v in views if v.automated_tests or v.scanned_by),
                "with_tests": sum(1 for v in views if v.tests),
                "with_manual_evidence": sum(1 for v in views if v.manual_fresh or v.manual_stale),
                "items": [control_view(v) for v in views],
            }
        )


class TestRunListAPI(OrgAPIMixin, generics.ListAPIView):
    """Test runs, newest evidence first (``?kind=`` and ``?stream=`` filter)."""

    queryset = TestRun.objects.all()
    serializer_class = TestRunSerializer

    def get_queryset(self):
        queryset = super().get_queryset().select_related("version__evidence")
        for name in ("kind", "stream"):
            if value := self.request.query_params.get(name):
                queryset = queryset.filter(**{name: value})
        return queryset


class TestRunDetailAPI(OrgAPIMixin, generics.RetrieveAPIView):
    """One test run with every result, the per-control counts and the unmapped findings."""

    queryset = TestRun.objects.all()
    serializer_class = TestRunDetailSerializer


class StatusChangesAPI(OrgAPIMixin, generics.ListAPIView):
    """Control status transitions, newest first (``?control=A.8.5`` filters)."""

    queryset = ControlStatusChange.objects.all()
    serializer_class = StatusChangeSerializer

    def get_queryset(self):
        queryset = super().get_queryset().select_related("run")
        if control := self.request.query_params.get("control"):
            queryset = queryset.filter(control_id=control)
        return queryset


class TestCatalogAPI(OrgAPIMixin, APIView):
    """Every control test with its metadata."""

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request, *args, **kwargs):
        return Response([cls.metadata() for cls in loader.all_tests().values()])


class SettingsAPI(OrgAPIMixin, APIView):
    """The organization's monitoring settings; ``PATCH`` changes them (managers). The webhook
    secret can be set or cleared, never read."""

    permission_required = notifications.MANAGE

    @extend_schema(responses={200: SettingsSerializer})
    def get(self, request, *args, **kwargs):
        return Response(SettingsSerializer(notifications.settings_for(self.ctx.org)).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer})
    def patch(self, request, *args, **kwargs):
        given = SettingsSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        try:
            row = notifications.update_settings(self.ctx, **data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(SettingsSerializer(row).data)


class NotificationListAPI(OrgAPIMixin, generics.ListAPIView):
    """The outbox: every e-mail and webhook delivery, newest first (``?control=`` filters)."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    def get_queryset(self):
        queryset = super().get_queryset().select_related("change")
        if control := self.request.query_params.get("control"):
            queryset = queryset.filter(change__control_id=control)
        return queryset
