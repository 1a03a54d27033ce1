"""Importing a filled checklist sheet (XLSX), all or nothing.

Every row is checked before anything changes: unknown or duplicated item ids, invalid results
or methods, items another auditor saved since the export (``version``), formulas, and the rules
of a nonconformity. Any problem leaves the checklist untouched and the report lists each one
by row and column; otherwise every changed row is saved in one transaction through
``fieldwork.save_fieldwork`` (ledger entries only for rows that change).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.audits.choices import AuditMethod, AuditStatus, ChecklistResult
from annexa.audits.models import Audit, ChecklistItem
from annexa.audits.services import fieldwork
from annexa.audits.services.checklist_io import COLUMNS
from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError, SheetRow
from annexa.core.tenancy import OrgContext

REQUIRED = ("item_id", "version")
IMPORTED = ("result", "methods", "examined", "analysis", "verification", "auditees", "notes")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


# --- import ----------------------------------------------------------------------------------


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
        return f"{len(self.changed)} item(s) changed, {self.unchanged} unchanged."


@dataclass
class _Planned:
    number: int
    item: ChecklistItem
    version: int
    changes: dict[str, Any]


def import_checklist(ctx: OrgContext, audit: Audit, file: bytes | BinaryIO) -> ImportReport:
    """Apply a filled XLSX sheet: every row valid, or nothing changes."""
    fieldwork.require_team(ctx, audit, "import checklist results")
    fieldwork.require_status(audit, [AuditStatus.FIELDWORK], "import checklist results")
    try:
        sheet = spreadsheets.read_xlsx(
            file, required_columns=REQUIRED, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS
        )
    except spreadsheets.SpreadsheetError as exc:
        return ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    if any(e.row == 1 for e in report.errors):
        return report  # without its key columns no row can be matched to an item
    columns = [c for c in IMPORTED if c in sheet.columns]
    plan = _plan(ctx, audit, sheet.rows, columns, report)
    if report.errors:
        order = {name: n for n, name in enumerate(COLUMNS)}
        report.errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", 99)))
        return report
    _apply(ctx, plan, report)
    return report


def _plan(
    ctx: OrgContext, audit: Audit, rows: list[SheetRow], columns: list[str], report: ImportReport
) -> list[_Planned]:
    items = {
        str(i.uid): i
        for i in ChecklistItem.objects.filter(audit=audit)
        .select_related("updated_by", "audit", "requirement", "control")
        .prefetch_related("auditees", "evidence")
    }
    members = _members(ctx.org)
    seen: dict[str, int] = {}
    plan: list[_Planned] = []
    for row in rows:
        bad = {e.column for e in report.errors if e.row == row.number}
        problems: list[CellError] = []
        planned = _parse(row, items, members, seen, bad, columns, problems)
        report.errors.extend(problems)
        if planned is None:
            continue
        if planned.changes:
            plan.append(planned)
        else:
            report.unchanged += 1
    return plan


def _parse(
    row: SheetRow,
    items: dict[str, ChecklistItem],
    members: dict[str, Any],
    seen: dict[str, int],
    bad: set[str],
    columns: list[str],
    problems: list[CellError],
) -> _Planned | None:
    """The row's item and changes, or ``None`` after recording its problems."""

    def problem(column: str, message: str) -> None:
        problems.append(CellError(row.number, column, message))

    item = _row_item(row, items, seen, bad, problem)
    version = _row_version(row, bad, problem)
    changes: dict[str, Any] = {}
    for column in columns:
        if column in bad:
            continue
        try:
            changes.update(PARSERS[column](row.values.get(column, ""), members))
        except ValidationError as exc:
            problem(column, exc.messages[0])
    if problems or bad or item is None or version is None:
        return None
    if item.version != version:
        stale = fieldwork.StaleVersionError(item, version)
        problem(
            "version",
            f"{stale.who} saved this item at {stale.when} after your export "
            f"(version now {item.version}, the sheet has {version}): export again and "
            "re-enter this row.",
        )
        return None
    current = fieldwork.snapshot(item)
    changes = {k: v for k, v in changes.items() if _as_data(k, v) != _as_data(k, current[k])}
    if changes and item.removed:
        problem("item_id", "This item was removed from the checklist: restore it first.")
        return None
    if changes:
        _check_rules(row.number, current, changes, problems)
    return None if problems else _Planned(row.number, item, version, changes)


def _row_item(row, items, seen, bad, problem) -> ChecklistItem | None:
    text = row.values.get("item_id", "").strip()
    if "item_id" in bad:
        return None
    if not text:
        problem("item_id", "the item id is empty")
        return None
    try:
        key = str(uuid.UUID(text))
    except ValueError:
        problem("item_id", f"{text!r} is not an item id (export the checklist for the ids)")
        return None
    if key not in items:
        problem("item_id", f"unknown item {text}: it is not on this audit's checklist")
        return None
    if key in seen:
        problem("item_id", f"this item appears twice (first on row {seen[key]})")
        return None
    seen[key] = row.number
    return items[key]


def _row_version(row, bad, problem) -> int | None:
    text = row.values.get("version", "").strip()
    if "version" in bad:
        return None
    if not text.isdigit():
        problem("version", "the version must be the whole number from the export")
        return None
    return int(text)


def _check_rules(number: int, current: dict, changes: dict, problems: list) -> None:
    after = {**current, **{k: _as_data(k, v) for k, v in changes.items()}}
    try:
        fieldwork.validate(after)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = name if name in COLUMNS else "result"
            problems.extend(CellError(number, column, m) for m in messages)


def _as_data(name: str, value: Any) -> Any:
    """A value as the item's snapshot holds it; people lists compare entry by entry."""
    if name == "auditees":
        return sorted(u if isinstance(u, str) else u.email for u in value)
    if name == "auditees_other":
        return "\n".join(_split(value))
    return value


def _members(org) -> dict[str, Any]:
    from annexa.orgs.models import User

    return {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}


def _parse_result(text: str, members: dict) -> dict[str, Any]:
    wanted = text.strip().lower()
    for value, label in ChecklistResult.choices:
        if wanted in (value, label.lower()) or (not value and not wanted):
            return {"result": value}
    allowed = ", ".join(v for v in ChecklistResult.values if v)
    raise ValidationError(f"unknown result {text!r}: use one of {allowed}, or leave it empty")


def _parse_methods(text: str, members: dict) -> dict[str, Any]:
    methods = []
    for token in _split(text, commas=True):
        wanted = token.lower().replace(" ", "_")
        match = [
            value
            for value, label in AuditMethod.choices
            if wanted in (value, label.lower().replace(" ", "_"))
        ]
        if not match:
            raise ValidationError(
                f"unknown method {token!r}: use {', '.join(AuditMethod.values)} (separate with ;)"
            )
        methods.append(match[0])
    return {"methods": [m for m in AuditMethod.values if m in methods]}


def _parse_auditees(text: str, members: dict) -> dict[str, Any]:
    users, others = [], []
    for token in _split(text):
        if "@" in token:
            user = members.get(token.lower())
            if user is None:
                raise ValidationError(f"{token} is not a member of this organization")
            users.append(user)
        else:
            others.append(token)
    return {"auditees": users, "auditees_other": "\n".join(others)}


def _split(text: str, *, commas: bool = False) -> list[str]:
    """Entries separated by semicolons or line breaks (and commas, for ``methods``)."""
    text = text.replace("\n", ";")
    if commas:
        text = text.replace(",", ";")
    return [t.strip() for t in text.split(";") if t.strip()]


def _text(name: str):
    def parse(text: str, members: dict) -> dict[str, Any]:
        return {name: fieldwork.CLEANERS[name](None, text)}

    return parse


PARSERS = {
    "result": _parse_result,
    "methods": _parse_methods,
    "auditees": _parse_auditees,
    **{name: _text(name) for name in ("examined", "analysis", "verification", "notes")},
}


def _apply(ctx: OrgContext, plan: list[_Planned], report: ImportReport) -> None:
    current: _Planned | None = None
    try:
        with transaction.atomic():
            for current in plan:
                fieldwork.save_fieldwork(
                    ctx, current.item, current.changes, expected_version=current.version
                )
                report.changed.append(current.item.subject_id)
    except fieldwork.StaleVersionError as exc:
        # Another auditor saved between our check and the write: nothing was kept.
        report.changed.clear()
        report.errors.append(CellError(current.number if current else None, "version", str(exc)))
    except ValidationError as exc:
        report.changed.clear()
        number = current.number if current else None
        for name, messages in exc.message_dict.items():
            column = name if name in COLUMNS else "result"
            report.errors.extend(CellError(number, column, m) for m in messages)
