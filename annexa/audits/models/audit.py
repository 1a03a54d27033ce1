"""One audit of a programme: its scope (with why each item is in it), team and auditees."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annexa.audits.choices import AuditKind, AuditOrigin, AuditStatus, ScopeOrigin, TeamRole
from annexa.audits.models.programme import AuditProgramme, ExternalMilestone
from annexa.core.tenancy import OrgOwned


class Audit(OrgOwned):
    """An internal or follow-up audit: what it covers, who audits whom, when, and how far it got.

    ``reference`` (``IA-2026-01``) is unique in the organization and never reused. The scope is
    kept in three through-models that record why each item is in it. ``independence_conflicts``
    caches the team's conflicts that no override justifies yet (refreshed whenever ownership,
    scope or team change; the gate out of "preparing" recomputes them).
    """

    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="audits")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    kind = models.CharField(
        "type", max_length=20, choices=AuditKind.choices, default=AuditKind.INTERNAL_PARTIAL
    )
    objectives = models.TextField(blank=True)
    criteria = models.TextField(blank=True)
    requirements = models.ManyToManyField(
        "catalog.Requirement", through="AuditRequirement", related_name="+", blank=True
    )
    controls = models.ManyToManyField(
        "catalog.Control", through="AuditControl", related_name="+", blank=True
    )
    units = models.ManyToManyField(
        "isms.OrgUnit", through="AuditUnit", related_name="audits", blank=True
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AuditTeamMember", related_name="audit_teams", blank=True
    )
    auditees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="audited_in", blank=True
    )
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    limitations = models.TextField(blank=True, help_text="What could not be examined, and why.")
    # The external audit this internal audit prepares for (set by the planner).
    milestone = models.ForeignKey(
        ExternalMilestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="audits"
    )
    origin = models.CharField(
        max_length=10, choices=AuditOrigin.choices, default=AuditOrigin.MANUAL
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    independence_conflicts = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["planned_start", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="audits_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="audits_planned_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def lead_auditor(self):
        """The member with the lead role, or ``None`` before one is named."""
        lead = next((m for m in self.team_members.all() if m.role == TeamRole.LEAD), None)
        return lead.user if lead else None


class ScopeItem(models.Model):
    """What the through-models share: who or what put the item in scope, and why."""

    origin = models.CharField(
        max_length=10, choices=ScopeOrigin.choices, default=ScopeOrigin.MANUAL
    )
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class AuditRequirement(ScopeItem):
    """A clause 4–10 requirement in an audit's scope."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="scope_requirements")
    requirement = models.ForeignKey(
        "catalog.Requirement", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requirement__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "requirement"], name="audits_scope_requirement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement_id} in audit {self.audit_id}"


class AuditControl(ScopeItem):
    """An Annex A control in an audit's scope."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="scope_controls")
    control = models.ForeignKey("catalog.Control", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["control__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "control"], name="audits_scope_control_once")
        ]

    def __str__(self) -> str:
        return f"{self.control_id} in audit {self.audit_id}"


class AuditUnit(ScopeItem):
    """An organizational unit, system, location or process an audit visits."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="scope_units")
    unit = models.ForeignKey("isms.OrgUnit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "unit"], name="audits_scope_unit_once")
        ]

    def __str__(self) -> str:
        return f"unit {self.unit_id} in audit {self.audit_id}"


class AuditTeamMember(models.Model):
    """A member on an audit's team, as lead auditor or team member (one lead per audit)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "user"], name="audits_team_member_once"),
            models.UniqueConstraint(
                fields=["audit"], condition=Q(role=TeamRole.LEAD), name="audits_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
