"""Programmes out: iCalendar (one file, or the organization's feed) and XLSX."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from annexa.audits import ical
from annexa.audits.choices import AuditStatus
from annexa.audits.models import Audit, AuditProgramme, ExternalMilestone
from annexa.core import spreadsheets

COLUMNS = (
    "Reference",
    "Title",
    "Type",
    "Status",
    "Planned start",
    "Planned end",
    "Actual start",
    "Actual end",
    "Prepares for",
    "Lead auditor",
    "Team",
    "Requirements",
    "Controls",
    "Units",
)
WIDTHS = (13, 40, 22, 11, 12, 12, 12, 12, 26, 28, 36, 40, 40, 30)


def _audits(programmes: Iterable[AuditProgramme]):
    return (
        Audit.objects.filter(programme__in=list(programmes))
        .select_related("milestone", "programme")
        .prefetch_related("team_members__user", "scope_requirements", "scope_controls", "units")
        .order_by("planned_start", "reference")
    )


def audit_event(audit: Audit) -> ical.Event:
    lead = audit.lead_auditor
    lines = [
        f"{audit.get_kind_display()} — {audit.get_status_display()}",
        f"Programme: {audit.programme.title}",
        f"Lead auditor: {lead.email if lead else 'not named yet'}",
        f"Scope: {audit.scope_requirements.count()} requirement(s), "
        f"{audit.scope_controls.count()} control(s)",
    ]
    if audit.objectives:
        lines.append(f"Objectives: {audit.objectives}")
    return ical.Event(
        uid=f"audit-{audit.uid}@annexa",
        start=audit.actual_start or audit.planned_start,
        end=audit.actual_end or audit.planned_end,
        summary=f"{audit.reference} {audit.title}",
        description="\n".join(lines),
        stamp=audit.updated_at,
        categories=("Internal audit",),
        status="CONFIRMED" if audit.status != AuditStatus.PLANNED else "TENTATIVE",
    )


def milestone_event(milestone: ExternalMilestone) -> ical.Event:
    return ical.Event(
        uid=f"milestone-{milestone.uid}@annexa",
        start=milestone.date,
        end=milestone.date,
        summary=f"External {milestone.get_kind_display().lower()}",
        description=f"Certification body audit. Programme: {milestone.programme.title}"
        + (f"\n{milestone.notes}" if milestone.notes else ""),
        stamp=milestone.programme.updated_at,
        categories=("Certification audit",),
    )


def to_ics(programmes: Iterable[AuditProgramme], name: str) -> bytes:
    """The audits and external milestones of ``programmes`` as one calendar."""
    programmes = list(programmes)
    events = [audit_event(a) for a in _audits(programmes)]
    milestones = ExternalMilestone.objects.filter(programme__in=programmes).select_related(
        "programme"
    )
    events.extend(milestone_event(m) for m in milestones.order_by("date", "id"))
    stamp = max((p.updated_at for p in programmes), default=None)
    return ical.calendar(name, events, stamp=stamp or timezone.now())


def programme_ics(programme: AuditProgramme) -> bytes:
    return to_ics([programme], f"{programme.organization.name}: {programme.title}")


def organization_ics(org) -> bytes:
    """Every programme of the organization: what the calendar feed serves."""
    programmes = AuditProgramme.objects.for_org(org).order_by("start_date")
    return to_ics(programmes, f"{org.name}: audits")


def programme_xlsx(programme: AuditProgramme) -> bytes:
    """One row per audit of the programme."""
    rows = [_row(audit) for audit in _audits([programme])]
    return spreadsheets.write_xlsx(COLUMNS, rows, title="Audits", widths=WIDTHS)


def _row(audit: Audit) -> list[str]:
    lead = audit.lead_auditor
    members = [m.user.email for m in audit.team_members.all() if m.user != lead]
    return [
        audit.reference,
        audit.title,
        audit.get_kind_display(),
        audit.get_status_display(),
        audit.planned_start.isoformat(),
        audit.planned_end.isoformat(),
        audit.actual_start.isoformat() if audit.actual_start else "",
        audit.actual_end.isoformat() if audit.actual_end else "",
        audit.milestone.get_kind_display() if audit.milestone else "",
        lead.email if lead else "",
        ", ".join(members),
        ", ".join(r.requirement_id for r in audit.scope_requirements.all()),
        ", ".join(c.control_id for c in audit.scope_controls.all()),
        ", ".join(u.name for u in audit.units.all()),
    ]
