"""The findings API: the register (filters), raising (directly or from a checklist item),
editing, and the lifecycle steps as actions. Every change goes through the services."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annexa.core.api import PAGE_PARAMETERS, OrgAPIMixin, page_of, paged
from annexa.findings import guidance, history, services
from annexa.findings.api import serializers as s
from annexa.findings.filters import filter_findings
from annexa.findings.models import Finding
from annexa.findings.services.common import CLOSE, RAISE, RESPOND


@contextmanager
def service_errors():
    """A service's Django ``ValidationError`` becomes a 400 with messages per field."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError(detail) from exc


PERMISSIONS = {"acknowledge": RESPOND, "close": CLOSE}


def _light_relations() -> tuple[Prefetch, ...]:
    """The related rows a finding shows, with only the fields it shows of them: a page of 50
    findings citing 25 versions each is over a thousand rows, whose other fields (dates, hashes,
    notes) cost conversions nobody reads."""
    from annexa.actions.models import CorrectiveAction
    from annexa.evidence.models import EvidenceVersion
    from annexa.orgs.models import User

    return (
        Prefetch("evidence", queryset=EvidenceVersion.objects.only("id", "uid")),
        Prefetch("auditees", queryset=User.objects.only("id", "email")),
        Prefetch(
            "corrective_actions",
            queryset=CorrectiveAction.objects.only("id", "number", "finding_id"),
        ),
    )


class FindingViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """Findings: list with ``grade``, ``status``, ``control``, ``audit``, ``age``, ``q``."""

    queryset = Finding.objects.all()
    serializer_class = s.FindingSerializer
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        return PERMISSIONS.get(getattr(self, "action", None) or "", RAISE)

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("raised_in", "closed_in", "raised_by", "opened_by", "closed_by")
            .select_related("acknowledged_by")
            .prefetch_related(*_light_relations())
            .order_by("-number")
        )
        if self.action == "list":
            queryset, form = filter_findings(queryset, self.request.query_params, self.ctx.org)
            if not form.is_valid():
                raise ValidationError(form.errors)
        return queryset

    def _fresh(self, finding: Finding, code: int = status.HTTP_200_OK) -> Response:
        instance = self.get_queryset().get(pk=finding.pk)
        return Response(s.FindingSerializer(instance).data, status=code)

    def _written(self, partial: bool = False) -> dict:
        serializer = s.FindingWriteSerializer(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.FindingWriteSerializer, responses={201: s.FindingSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        """Raise a finding directly, as a draft."""
        from annexa.audits.models import Audit

        data = self._written()
        audit = None
        if data.get("audit"):
            audits = Audit.objects.for_org(self.ctx.org)
            audit = audits.filter(reference=data.pop("audit")).first()
            if audit is None:
                raise ValidationError({"audit": ["No audit with this reference here."]})
        data.pop("audit", None)
        data.pop("reason", None)  # a new finding has no earlier grade to explain
        with service_errors():
            finding = services.raise_finding(self.ctx, audit=audit, **data)
        return self._fresh(finding, status.HTTP_201_CREATED)

    @extend_schema(request=s.FindingWriteSerializer, responses=s.FindingSerializer)
    def partial_update(self, request, *args, **kwargs) -> Response:
        finding = self.get_object()
        data = self._written(partial=True)
        if "audit" in data:
            raise ValidationError({"audit": ["The raising audit does not change."]})
        reason = data.pop("reason", "")
        with service_errors():
            finding = services.update_finding(self.ctx, finding, data, reason=reason)
        return self._fresh(finding)

    @extend_schema(request=s.FromItemSerializer, responses={201: s.FindingSerializer})
    @action(detail=False, methods=["post"], url_path="from-item")
    def from_item(self, request, **kwargs) -> Response:
        """Raise (or return, when it exists) the finding of a checklist item."""
        from annexa.audits.models import ChecklistItem

        serializer = s.FromItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        item = get_object_or_404(ChecklistItem.objects.for_org(self.ctx.org), pk=data.pop("item"))
        existed = Finding.objects.filter(checklist_item=item).exists()
        with service_errors():
            finding = services.raise_from_checklist_item(self.ctx, item, **data)
        return self._fresh(finding, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, **kwargs) -> Response:
        """Approve a draft; never by whoever raised it or is concerned by it."""
        with service_errors():
            finding = services.open_finding(self.ctx, self.get_object())
        return self._fresh(finding)

    @extend_schema(request=s.ReasonSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, **kwargs) -> Response:
        finding = self.get_object()
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            finding = services.withdraw_finding(
                self.ctx, finding, serializer.validated_data["reason"]
            )
        return self._fresh(finding)

    @extend_schema(request=s.NoteSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, **kwargs) -> Response:
        finding = self.get_object()
        serializer = s.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            finding = services.acknowledge_finding(
                self.ctx, finding, serializer.validated_data["note"]
            )
        return self._fresh(finding)

    @extend_schema(request=s.CloseSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, **kwargs) -> Response:
        """Close, with the independence check; ``closed_in`` names the closing audit."""
        from annexa.audits.models import Audit

        finding = self.get_object()
        serializer = s.CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        audit = None
        if data.get("closed_in"):
            audit = Audit.objects.for_org(self.ctx.org).filter(reference=data["closed_in"]).first()
            if audit is None:
                raise ValidationError({"closed_in": ["No audit with this reference here."]})
        with service_errors():
            finding = services.close_finding(self.ctx, finding, note=data["note"], closed_in=audit)
        return self._fresh(finding)

    @extend_schema(
        responses=page_of(s.HistoryEntrySerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="findings_history_list",
    )
    @action(detail=True, methods=["get"])
    def history(self, request, **kwargs) -> Response:
        """Every ledger entry about the finding, oldest first."""
        finding = self.get_object()
        rows = history.rows(self.ctx.org, services.OBJECT_TYPE, finding.uid)
        entries = [
            {"when": r.when, "actor": r.actor, "action": r.action, "details": r.details}
            for r in rows
        ]
        return paged(self, entries, s.HistoryEntrySerializer)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def guidance(self, request, **kwargs) -> Response:
        """The grading guidance and the natures of a control gap, in our own words."""
        return Response(
            {"grades": guidance.grading_guidance(), "natures": guidance.nature_guidance()}
        )
