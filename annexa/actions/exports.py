"""Exports of the corrective actions: OSCAL POA&M JSON (``poam``) and an XLSX workbook."""

from __future__ import annotations

import json

from django.utils import timezone

from annexa.actions.models import CorrectiveAction
from annexa.actions.poam import PoamEmpty, build_poam
from annexa.core.spreadsheets import XLSX_MEDIA_TYPE, write_xlsx

FORMATS = ("poam", "xlsx")
COLUMNS = [
    "Reference",
    "Title",
    "Source",
    "Finding",
    "Grade",
    "Control",
    "Requirement",
    "Immediate correction",
    "Root cause",
    "5 whys",
    "Plan",
    "Plan revision",
    "Owner",
    "Due date",
    "Status",
    "Overdue (days)",
    "Implemented",
    "Effectiveness review",
    "Closed",
]
WIDTHS = [10, 40, 16, 10, 24, 10, 10, 40, 40, 50, 50, 8, 28, 12, 18, 10, 12, 50, 12]


class ExportError(Exception):
    """The export cannot be produced; the message says why."""


def rows(org) -> list[list[object]]:
    today = timezone.localdate()
    actions = (
        CorrectiveAction.objects.for_org(org)
        .select_related("finding", "owner")
        .prefetch_related("reviews__reviewer")
        .order_by("number")
    )
    return [_row(action, today) for action in actions]


def _row(action: CorrectiveAction, today) -> list[object]:
    finding = action.finding
    whys = "\n".join(
        f"{n}. Why? {w['why']} Because: {w['because']}"
        for n, w in enumerate(action.five_whys, start=1)
    )
    reviews = "\n".join(
        f"{r.reviewed_on.isoformat()} {r.reviewer.email} ({r.get_method_display()}): "
        f"{r.get_conclusion_display()}: {r.notes}"
        for r in action.reviews.all()
    )
    return [
        action.reference,
        action.title,
        action.get_source_display(),
        finding.reference if finding else action.source_reference,
        finding.get_grade_display() if finding else "",
        action.control_id or "",
        action.requirement_id or "",
        action.correction,
        action.root_cause,
        whys,
        action.plan,
        action.plan_revision,
        action.owner.email,
        action.due_date.isoformat(),
        action.get_status_display(),
        action.days_overdue(today) or "",
        action.implemented_at.date().isoformat() if action.implemented_at else "",
        reviews,
        action.closed_at.date().isoformat() if action.closed_at else "",
    ]


def export(org, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the export in ``fmt``."""
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        body = write_xlsx(COLUMNS, rows(org), title="Corrective actions", widths=WIDTHS)
        return body, XLSX_MEDIA_TYPE, f"{org.slug}-corrective-actions-{stamp}.xlsx"
    if fmt == "poam":
        try:
            document = build_poam(org)
        except PoamEmpty as exc:
            raise ExportError(str(exc)) from exc
        body = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
        return body, "application/json", f"{org.slug}-poam-{stamp}.json"
    raise ExportError(f"Unknown export format {fmt!r}; use {' or '.join(FORMATS)}.")
