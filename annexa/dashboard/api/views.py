"""The readiness dashboard's numbers as JSON: the same figures as the page."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from annexa.core.api import OrgAPIMixin
from annexa.dashboard import services


class ReadinessAPI(OrgAPIMixin, APIView):
    """SoA by theme, audit programme progress and coverage, open findings by grade and age,
    corrective actions by status with the overdue ones, the burndown of open
    nonconformities (26 weeks) and monitoring status counts."""

    @extend_schema(operation_id="dashboard_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        return Response(services.as_data(services.readiness(self.ctx.org)))
