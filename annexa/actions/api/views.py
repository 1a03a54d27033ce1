"""The corrective-actions API: list (filters), create, edit, the steps as actions, the
effectiveness review, automated results since the fix, history and the exports."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annexa.actions import exports, services
from annexa.actions.api import serializers as s
from annexa.actions.filters import filter_actions
from annexa.actions.models import CorrectiveAction
from annexa.core.api import PAGE_PARAMETERS, OrgAPIMixin, page_of, paged
from annexa.findings import history
from annexa.findings.api.serializers import HistoryEntrySerializer
from annexa.findings.api.views import service_errors

REVIEWING = ("review", "close")


class ActionViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """Corrective actions: list with ``status``, ``source``, ``owner``, ``overdue``, ``q``."""

    queryset = CorrectiveAction.objects.all()
    serializer_class = s.ActionSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        return services.REVIEW if getattr(self, "action", None) in REVIEWING else services.MANAGE

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("finding", "owner", "closed_by")
            .prefetch_related("revisions__recorded_by", "reviews__reviewer", "reviews__evidence")
            .order_by("due_date", "number")
        )
        if self.action == "list":
            queryset, form = filter_actions(queryset, self.request.query_params)
            if not form.is_valid():
                raise ValidationError(form.errors)
        return queryset

    def _fresh(self, obj: CorrectiveAction, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.ActionSerializer(self.get_queryset().get(pk=obj.pk)).data, status=code)

    def _validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.ActionWriteSerializer, responses={201: s.ActionSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = self._validated(s.ActionWriteSerializer)
        data.pop("reason", None)
        data["five_whys"] = [dict(w) for w in data.get("five_whys", [])]
        with service_errors():
            created = services.create_action(self.ctx, **data)
        return self._fresh(created, status.HTTP_201_CREATED)

    @extend_schema(request=s.ActionWriteSerializer, responses=s.ActionSerializer)
    def partial_update(self, request, *args, **kwargs) -> Response:
        current = self.get_object()
        data = self._validated(s.ActionWriteSerializer, partial=True)
        refused = sorted({"finding", "source", "root_cause", "five_whys"} & set(data))
        if refused:
            message = "Not changed here (root cause: POST root-cause/)."
            raise ValidationError({name: [message] for name in refused})
        reason = data.pop("reason", "")
        with service_errors():
            updated = services.update_action(self.ctx, current, data, reason)
        return self._fresh(updated)

    @extend_schema(request=s.RootCauseSerializer, responses=s.ActionSerializer)
    @action(detail=True, methods=["post"], url_path="root-cause")
    def root_cause(self, request, **kwargs) -> Response:
        """Replace the root-cause text and the 5-whys chain."""
        current = self.get_object()
        data = self._validated(s.RootCauseSerializer)
        whys = [dict(w) for w in data["five_whys"]]
        with service_errors():
            updated = services.set_root_cause(self.ctx, current, data["root_cause"], whys)
        return self._fresh(updated)

    @extend_schema(request=None, responses=s.ActionSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, **kwargs) -> Response:
        with service_errors():
            updated = services.start_action(self.ctx, self.get_object())
        return self._fresh(updated)

    @extend_schema(request=s.StepNoteSerializer, responses=s.ActionSerializer)
    @action(detail=True, methods=["post"])
    def implement(self, request, **kwargs) -> Response:
        current = self.get_object()
        data = self._validated(s.StepNoteSerializer)
        with service_errors():
            updated = services.implement_action(self.ctx, current, data["note"])
        return self._fresh(updated)

    @extend_schema(request=s.ReviewWriteSerializer, responses=s.ActionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, **kwargs) -> Response:
        """Record the effectiveness review (never by the action's owner)."""
        current = self.get_object()
        data = self._validated(s.ReviewWriteSerializer)
        with service_errors():
            services.record_review(self.ctx, current, **data)
        return self._fresh(current)

    @extend_schema(request=s.StepNoteSerializer, responses=s.ActionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, **kwargs) -> Response:
        """Close a verified-effective action (never by its owner)."""
        current = self.get_object()
        data = self._validated(s.StepNoteSerializer)
        with service_errors():
            updated = services.close_action(self.ctx, current, data["note"])
        return self._fresh(updated)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def automated(self, request, **kwargs) -> Response:
        """The control's automated test results since the action was implemented."""
        return Response(services.automated_results(self.get_object()).as_data())

    @extend_schema(
        responses=page_of(HistoryEntrySerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="actions_history_list",
    )
    @action(detail=True, methods=["get"])
    def history(self, request, **kwargs) -> Response:
        current = self.get_object()
        rows = history.rows(self.ctx.org, services.OBJECT_TYPE, current.uid)
        entries = [
            {"when": r.when, "actor": r.actor, "action": r.action, "details": r.details}
            for r in rows
        ]
        return paged(self, entries, HistoryEntrySerializer)

    def _export(self, fmt: str) -> HttpResponse:
        try:
            body, media_type, filename = exports.export(self.ctx.org, fmt)
        except exports.ExportError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        response = HttpResponse(body, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def poam(self, request, **kwargs) -> HttpResponse:
        """The corrective actions as an OSCAL 1.1 plan of action and milestones."""
        return self._export("poam")

    @extend_schema(responses={(200, exports.XLSX_MEDIA_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def xlsx(self, request, **kwargs) -> HttpResponse:
        """The corrective actions as an XLSX workbook."""
        return self._export("xlsx")
