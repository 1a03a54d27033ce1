"""The SoA as a spreadsheet: export to XLSX/CSV, and an all-or-nothing XLSX import.

The import validates every row before it changes anything. If any row is wrong, nothing is
saved and the report lists each problem by row and column; otherwise all changes are applied in
one transaction, with ledger entries only for the rows that actually change. Exporting and
importing the file unchanged is therefore a no-op.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError, SheetRow
from annexa.core.tenancy import OrgContext
from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import SoAEntry
from annexa.isms.services import soa_links
from annexa.isms.services.common import PERMISSION, clean_text
from annexa.isms.services.soa import ensure_soa, snapshot, update_soa_entry

COLUMNS = (
    "control_id",
    "control_title",
    "theme",
    "applicable",
    "justification",
    "implementation_status",
    "control_owner",
    "notes",
    "risks_treated",
)
# control_title, theme and risks_treated are for the reader and are not imported: the first two
# come from the catalog, the last from the risk register (``soa_links``: the risks whose
# treatment chose the control, and a proposal or conflict of that treatment with the SoA).
IMPORTED = (
    "control_id",
    "applicable",
    "justification",
    "implementation_status",
    "control_owner",
    "notes",
)
WIDTHS = (10, 48, 16, 11, 70, 22, 30, 50, 50)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 1000


@dataclass
class ImportReport:
    """What an import did, or why it did nothing (``errors``)."""

    errors: list[CellError] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "changed": self.changed,
            "unchanged": self.unchanged,
        }

    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} problem(s) found; nothing was changed."
        return f"{len(self.changed)} control(s) changed, {self.unchanged} unchanged."


# --- export ----------------------------------------------------------------------------------


def export_rows(org, entries: Iterable[SoAEntry] | None = None) -> list[list[str]]:
    """The SoA as rows of text in ``COLUMNS`` order (the whole SoA unless ``entries``)."""
    if entries is None:
        ensure_soa(org)
        entries = SoAEntry.objects.for_org(org).select_related("control", "control_owner")
    cited = soa_links.links(org)
    return [
        [
            e.control_id,
            e.control.title,
            e.control.get_theme_display(),
            "yes" if e.applicable else "no",
            e.justification,
            e.status,
            e.control_owner.email if e.control_owner else "",
            e.notes,
            citations_text(cited.get(e.control_id)),
        ]
        for e in entries
    ]


def citations_text(links: soa_links.ControlLinks | None) -> str:
    """``R-0004 Cloud region outage; R-0012 …``, with the conflict or proposal said."""
    if links is None:
        return ""
    text = "; ".join(str(c) for c in links.citations)
    if links.conflict:
        return f"{text} (conflict: the SoA excludes this control)"
    if links.is_proposal:
        return f"{text} (proposed as applicable, not decided in the SoA yet)"
    return text


def export_xlsx(org, entries: Iterable[SoAEntry] | None = None) -> bytes:
    return spreadsheets.write_xlsx(
        COLUMNS, export_rows(org, entries), title="Statement of Applicability", widths=WIDTHS
    )


def export_csv(org, entries: Iterable[SoAEntry] | None = None) -> bytes:
    return spreadsheets.write_csv(COLUMNS, export_rows(org, entries))


# --- import ----------------------------------------------------------------------------------


def import_soa(ctx: OrgContext, file: bytes | BinaryIO) -> ImportReport:
    """Apply an XLSX sheet of SoA rows: every row valid, or nothing changes.

    Rows may cover part of the SoA: controls not in the sheet are left as they are.
    """
    ctx.require(PERMISSION)
    ensure_soa(ctx.org)
    try:
        sheet = spreadsheets.read_xlsx(
            file,
            required_columns=IMPORTED,
            max_bytes=MAX_IMPORT_BYTES,
            max_rows=MAX_IMPORT_ROWS,
        )
    except spreadsheets.SpreadsheetError as exc:
        return ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    if any(e.row == 1 for e in report.errors):
        return report  # without the right columns the rows cannot be read
    plan = _plan(ctx, sheet.rows, report)
    if report.errors:
        report.errors.sort(
            key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else 99)
        )
        return report
    _apply(ctx, plan, report)
    return report


@dataclass
class _Row:
    number: int
    control_id: str
    changes: dict[str, Any]


def _plan(ctx: OrgContext, rows: list[SheetRow], report: ImportReport) -> list[_Row]:
    """Validate every row and work out its changes; problems go into ``report.errors``."""
    entries = {
        e.control_id: e for e in SoAEntry.objects.for_org(ctx.org).select_related("control_owner")
    }
    members = _members(ctx.org)
    unreadable: dict[int | None, set[str | None]] = defaultdict(set)
    for error in report.errors:
        unreadable[error.row].add(error.column)
    seen: dict[str, int] = {}
    plan: list[_Row] = []
    for row in rows:
        bad_cells = unreadable.get(row.number, set())
        parsed = _parse_row(row, entries, members, seen, bad_cells, report.errors)
        if parsed is None:
            continue
        entry = entries[parsed.control_id]
        current = snapshot(entry)
        parsed.changes = {k: v for k, v in parsed.changes.items() if _differs(current, k, v)}
        if not parsed.changes:
            report.unchanged += 1
            continue
        if not parsed.changes.get("justification", current["justification"]):
            report.errors.append(
                CellError(
                    row.number,
                    "justification",
                    "a justification is required for every inclusion and every exclusion",
                )
            )
            continue
        plan.append(parsed)
    return plan


def _differs(current: dict[str, Any], name: str, value: Any) -> bool:
    if name == "control_owner":
        return current[name] != (value.email if value is not None else None)
    return current[name] != value


def _members(org) -> dict[str, Any]:
    from annexa.orgs.models import User

    return {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}


def _parse_row(
    row: SheetRow,
    entries: dict[str, SoAEntry],
    members: dict[str, Any],
    seen: dict[str, int],
    bad_cells: set[str | None],
    errors: list[CellError],
) -> _Row | None:
    """The row's control and values, or ``None`` after recording its problems."""
    problems: list[CellError] = []

    def problem(column: str, message: str) -> None:
        problems.append(CellError(row.number, column, message))

    value = {k: clean_text(v) for k, v in row.values.items()}
    control_id = value.get("control_id", "")
    if "control_id" in bad_cells:
        pass
    elif not control_id:
        problem("control_id", "the control id is empty")
    elif control_id not in entries:
        problem("control_id", f"unknown control {control_id!r} (expected an id like A.5.1)")
    elif control_id in seen:
        problem("control_id", f"{control_id} appears twice (first on row {seen[control_id]})")
    else:
        seen[control_id] = row.number
    changes: dict[str, Any] = {}
    checks = {
        "applicable": _parse_applicable,
        "implementation_status": _parse_status,
        "control_owner": lambda text: _parse_owner(text, members),
    }
    for column, parse in checks.items():
        if column in bad_cells:
            continue
        try:
            changes[_FIELD.get(column, column)] = parse(value.get(column, ""))
        except ValidationError as exc:
            problem(column, exc.messages[0])
    for column in ("justification", "notes"):
        if column not in bad_cells:
            changes[column] = value.get(column, "")
    errors.extend(problems)
    if problems or bad_cells:
        return None
    return _Row(number=row.number, control_id=control_id, changes=changes)


_FIELD = {"implementation_status": "status"}


def _parse_applicable(text: str) -> bool:
    answer = text.lower()
    if answer not in ("yes", "no"):
        raise ValidationError(f"applicable must be yes or no, not {text!r}")
    return answer == "yes"


def _parse_status(text: str) -> str:
    wanted = text.lower().replace(" ", "_")
    for value, label in ImplementationStatus.choices:
        if wanted in (value, label.lower().replace(" ", "_")):
            return value
    allowed = ", ".join(ImplementationStatus.values)
    raise ValidationError(f"unknown status {text!r}: use one of {allowed}")


def _parse_owner(text: str, members: dict[str, Any]):
    if not text:
        return None
    user = members.get(text.lower())
    if user is None:
        raise ValidationError(f"{text} is not a member of this organization")
    return user


def _apply(ctx: OrgContext, plan: list[_Row], report: ImportReport) -> None:
    try:
        with transaction.atomic():
            for row in plan:
                update_soa_entry(ctx, row.control_id, row.changes)
                report.changed.append(row.control_id)
    except ValidationError as exc:
        # Checked above already; a rule that only the service knows still stops everything.
        report.changed.clear()
        for name, messages in exc.message_dict.items():
            report.errors.extend(CellError(row.number, name, m) for m in messages)
