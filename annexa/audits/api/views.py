"""The audits API: programmes (plan, coverage, gaps, approve), audits, requirement owners.

Views parse and render; every change goes through ``annexa.audits.services``, which checks the
permission again, validates and writes the ledger.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annexa.audits.api import serializers as s
from annexa.audits.models import Audit, AuditProgramme, RequirementOwner
from annexa.audits.services import audits as audit_service
from annexa.audits.services import coverage, independence, next_cycle
from annexa.audits.services import programme as programme_service
from annexa.audits.services.common import CONDUCT, MANAGE
from annexa.core.api import OrgAPIMixin


@contextmanager
def service_errors():
    """A service's Django ``ValidationError`` becomes a 400 with messages per field."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError(detail) from exc


# --- programmes ------------------------------------------------------------------------------


class ProgrammeViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """Audit programmes of a certification cycle, with their milestones and audits."""

    queryset = AuditProgramme.objects.all()
    serializer_class = s.ProgrammeSerializer
    permission_required = MANAGE
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("approved_by")
            .prefetch_related("milestones", "audits")
        )

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        plan = data.pop("plan", False)
        milestones = data.pop("milestone_dates", None)
        data.pop("end_date", None)
        with service_errors(), transaction.atomic():
            programme = programme_service.create_programme(
                self.ctx,
                start_date=data.pop("start_date"),
                years=data.pop("years", 3),
                title=data.pop("title", ""),
                milestones=milestones,
                **data,
            )
            if plan:
                programme_service.plan_programme(self.ctx, programme)
        serializer.instance = programme

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        milestones = data.pop("milestone_dates", {})
        for ignored in ("plan", "years"):
            data.pop(ignored, None)
        programme = serializer.instance
        with service_errors(), transaction.atomic():
            if data:
                programme_service.update_programme(self.ctx, programme, data)
            for kind, date in milestones.items():
                programme_service.set_milestone(self.ctx, programme, kind, date)

    def perform_destroy(self, instance) -> None:
        with service_errors():
            programme_service.delete_programme(self.ctx, instance)

    def _fresh(self, programme: AuditProgramme) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=programme.pk)).data)

    @extend_schema(request=None, responses=s.ProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, **kwargs) -> Response:
        """Approve as the calling member; 400 listing the gaps that have no reason."""
        with service_errors():
            programme = programme_service.approve_programme(self.ctx, self.get_object())
        return self._fresh(programme)

    @extend_schema(request=None, responses=s.ProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request, **kwargs) -> Response:
        """Let the planner propose the audits (replaces them while none has started)."""
        with service_errors():
            programme = programme_service.plan_programme(self.ctx, self.get_object())
        return self._fresh(programme)

    @extend_schema(responses=s.CoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, **kwargs) -> Response:
        """The requirement/control × audit matrix, with gaps and their reasons."""
        return Response(coverage.as_data(coverage.compute(self.get_object())))

    @extend_schema(request=s.GapReasonSerializer, responses=s.CoverageSerializer)
    @action(detail=True, methods=["post"])
    def gaps(self, request, **kwargs) -> Response:
        """Record why a gap is accepted."""
        programme = self.get_object()
        serializer = s.GapReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            data = serializer.validated_data
            programme_service.record_gap_reason(self.ctx, programme, data["item"], data["reason"])
        return Response(coverage.as_data(coverage.compute(programme)))


# --- audits ----------------------------------------------------------------------------------

SCOPE_FIELDS = ("requirements", "controls", "units")


SCOPE_RELATIONS = ("scope_requirements", "scope_controls")


class AuditViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """Audits: fields, scope, team with independence, status, copy for the next cycle."""

    queryset = Audit.objects.all()
    serializer_class = s.AuditSerializer
    lookup_value_regex = r"\d+"  # mounted at the app's root: "programmes/" is not an audit
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def permission_required(self) -> str:  # type: ignore[override]
        # Auditors move their audits through fieldwork; everything else is the managers'.
        return CONDUCT if getattr(self, "action", None) == "transition" else MANAGE

    def get_queryset(self):
        # A list reads the scope's ids as plain values (``paginate_queryset``): a full-scope
        # audit has some 220 scope rows, not worth a model instance each on every page.
        scope = () if getattr(self, "action", None) == "list" else SCOPE_RELATIONS
        return (
            super()
            .get_queryset()
            .select_related("programme", "milestone", "copied_from")
            .prefetch_related(
                "team_members__user",
                *scope,
                "units",
                "auditees",
                "overrides__auditor",
                "overrides__recorded_by",
            )
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            s.attach_scope_ids(page)
        return page

    def _scope(self, data: dict, current: Audit | None = None) -> audit_service.Scope:
        from annexa.isms.models import OrgUnit

        why = f"Chosen by {self.ctx.actor} (API)"
        scope = audit_service.Scope()
        if current is not None:
            scope.requirements = {
                r.requirement_id: r.reason for r in current.scope_requirements.all()
            }
            scope.controls = {c.control_id: c.reason for c in current.scope_controls.all()}
            scope.units = {u.unit: u.reason for u in current.scope_units.select_related("unit")}
        if "requirements" in data:
            scope.requirements = {i: scope.requirements.get(i, why) for i in data["requirements"]}
        if "controls" in data:
            scope.controls = {i: scope.controls.get(i, why) for i in data["controls"]}
        if "units" in data:
            wanted = [str(u) for u in data["units"]]
            units = list(OrgUnit.objects.for_org(self.ctx.org).filter(uid__in=wanted))
            missing = sorted(set(wanted) - {str(u.uid) for u in units})
            if missing:
                raise ValidationError({"units": [f"No unit {uid} here." for uid in missing]})
            scope.units = {u: scope.units.get(u, why) for u in units}
        return scope

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        scope = self._scope(data)
        auditees = data.pop("auditees", None)
        extra = {k: data.pop(k) for k in ("actual_start", "actual_end", "limitations") if k in data}
        with service_errors(), transaction.atomic():
            audit = audit_service.create_audit(
                self.ctx,
                data["programme"],
                title=data.get("title", ""),
                kind=data.get("kind", "internal_partial"),
                objectives=data.get("objectives", ""),
                criteria=data.get("criteria"),
                planned_start=data.get("planned_start"),
                planned_end=data.get("planned_end"),
                scope=scope,
            )
            if auditees is not None:
                extra["auditees"] = auditees
            if extra:
                audit_service.update_audit(self.ctx, audit, extra)
        serializer.instance = audit

    def perform_update(self, serializer) -> None:
        audit = serializer.instance
        data = dict(serializer.validated_data)
        if "programme" in data and data.pop("programme").pk != audit.programme_id:
            raise ValidationError({"programme": "An audit cannot move to another programme."})
        scoped = any(k in data for k in SCOPE_FIELDS)
        scope = self._scope(data, audit) if scoped else None
        fields = {k: v for k, v in data.items() if k not in SCOPE_FIELDS}
        with service_errors(), transaction.atomic():
            if fields:
                audit_service.update_audit(self.ctx, audit, fields)
            if scope is not None:
                audit_service.set_scope(self.ctx, audit, scope)

    def perform_destroy(self, instance) -> None:
        with service_errors():
            audit_service.delete_audit(self.ctx, instance)

    def _fresh(self, audit: Audit, status_code: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=audit.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(request=s.TransitionSerializer, responses=s.AuditSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, **kwargs) -> Response:
        """Move one step forward; 400 with the reasons when it may not (e.g. conflicts)."""
        audit = self.get_object()
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            audit = audit_service.transition(self.ctx, audit, serializer.validated_data["to"])
        return self._fresh(audit)

    @extend_schema(request=s.ReopenSerializer, responses=s.AuditSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, **kwargs) -> Response:
        """Send the audit back to an earlier status, with a reason (managers)."""
        audit = self.get_object()
        serializer = s.ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            data = serializer.validated_data
            audit = audit_service.reopen(self.ctx, audit, data["to"], data["reason"])
        return self._fresh(audit)

    @extend_schema(request=s.TeamMemberSerializer, responses=s.AuditSerializer)
    @action(detail=True, methods=["post"])
    def team(self, request, **kwargs) -> Response:
        """Add an auditor; 400 listing the conflicts unless a justification is given."""
        audit = self.get_object()
        serializer = s.TeamMemberSerializer(data=request.data, context={"ctx": self.ctx})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            independence.add_team_member(
                self.ctx, audit, data["user"], data["role"], data.get("justification", "")
            )
        return self._fresh(audit)

    @extend_schema(request=s.RemoveMemberSerializer, responses=s.AuditSerializer)
    @action(detail=True, methods=["post"], url_path="team/remove")
    def team_remove(self, request, **kwargs) -> Response:
        """Take an auditor off the team."""
        audit = self.get_object()
        serializer = s.RemoveMemberSerializer(data=request.data, context={"ctx": self.ctx})
        serializer.is_valid(raise_exception=True)
        with service_errors():
            independence.remove_team_member(self.ctx, audit, serializer.validated_data["user"])
        return self._fresh(audit)

    @extend_schema(request=s.OverrideRequestSerializer, responses=s.AuditSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, **kwargs) -> Response:
        """Justify a team member's open conflicts (e.g. after an ownership change)."""
        audit = self.get_object()
        serializer = s.OverrideRequestSerializer(data=request.data, context={"ctx": self.ctx})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            independence.override_conflicts(self.ctx, audit, data["user"], data["justification"])
        return self._fresh(audit)

    @extend_schema(request=s.CopySerializer, responses={201: s.AuditSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, **kwargs) -> Response:
        """A planned copy (scope and team, no results) in the next cycle's programme."""
        audit = self.get_object()
        serializer = s.CopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = None
        uid = serializer.validated_data.get("programme")
        if uid is not None:
            target = AuditProgramme.objects.for_org(self.ctx.org).filter(uid=uid).first()
            if target is None:
                raise ValidationError({"programme": f"No programme {uid} here."})
        with service_errors():
            copy = next_cycle.copy_for_next_cycle(self.ctx, audit, target)
        return self._fresh(copy, status.HTTP_201_CREATED)


# --- requirement owners ----------------------------------------------------------------------


class RequirementOwnerViewSet(
    OrgAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who is responsible for which requirement; POST sets (or replaces) an owner."""

    queryset = RequirementOwner.objects.all()
    serializer_class = s.RequirementOwnerSerializer
    permission_required = MANAGE
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "updated_by", "requirement")

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = independence.set_requirement_owner(
                self.ctx, data["requirement_id"], data["user"]
            )

    def perform_update(self, serializer) -> None:
        owner = serializer.instance
        data = serializer.validated_data
        if data.get("requirement_id", owner.requirement_id) != owner.requirement_id:
            raise ValidationError({"requirement": "Delete this owner and add one to the other."})
        with service_errors():
            serializer.instance = independence.set_requirement_owner(
                self.ctx, owner.requirement_id, data.get("user", owner.user)
            )

    def perform_destroy(self, instance) -> None:
        with service_errors():
            independence.set_requirement_owner(self.ctx, instance.requirement_id, None)
