"""What both imports share: reading a sheet of XLSX or CSV rows with every problem named by
row and column, the cells people write (members, choices, dates, references), and ``run``,
which checks every row and then saves them all in one transaction or nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.core.spreadsheets import (
    CellError,
    ImportReport,
    Sheet,
    SheetRow,
    Unreadable,
    read_sheet,
)
from annexa.core.tenancy import OrgContext
from annexa.risks.io.columns import Progress
from annexa.risks.services import bulk
from annexa.risks.services.common import MANAGE, clean_text


def start(
    ctx: OrgContext, file: bytes | BinaryIO, name: str, required: Sequence[str]
) -> tuple[Sheet | None, ImportReport]:
    """The sheet and a report holding its reading problems (``None`` when it cannot be read
    or lacks a required column: its rows cannot be judged)."""
    ctx.require(MANAGE)
    try:
        sheet = read_sheet(file, name)
    except Unreadable as exc:
        return None, ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    for column in required:
        if column not in sheet.columns:
            report.errors.append(
                CellError(1, column, f"the column {column!r} is missing from the header row")
            )
    if any(e.row == 1 for e in report.errors):
        return None, report
    if not sheet.rows:
        report.errors.append(CellError(None, None, "the sheet has a header but no data rows"))
        return None, report
    return sheet, report


def finish(report: ImportReport, order: Sequence[str]) -> ImportReport:
    def key(error: CellError):
        column = order.index(error.column) if error.column in order else len(order)
        return (error.row or 0, column, error.message)

    report.errors.sort(key=key)
    return report


class RowProblems:
    """The problems of one row, and the cells that could not be read at all."""

    def __init__(self, row: SheetRow, report: ImportReport) -> None:
        self.row = row
        self.found: list[CellError] = []
        self.unreadable = {e.column for e in report.errors if e.row == row.number}

    def add(self, column: str, message: str) -> None:
        self.found.append(CellError(self.row.number, column, message))

    def cell(self, column: str) -> str:
        return clean_text(self.row.values.get(column, ""))

    @property
    def bad(self) -> bool:
        return bool(self.found or self.unreadable)


def members(org) -> dict[str, Any]:
    from annexa.orgs.models import User

    return {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}


def person(problems: RowProblems, column: str, members: Mapping[str, Any], what: str):
    text = problems.cell(column)
    if not text:
        return None
    user = members.get(text.lower())
    if user is None:
        problems.add(column, f"{text} is not a member of this organization: give {what}")
    return user


def choice(text: str, choices, synonyms: Mapping[str, str] | None = None) -> str | None:
    """The choice value ``text`` names by value, label or synonym (any case); ``None``."""
    wanted = " ".join(text.lower().replace("_", " ").split())
    for value, label in choices:
        if wanted in (value.replace("_", " "), str(label).lower()):
            return value
    return (synonyms or {}).get(wanted)


def date_text(text: str) -> str:
    """A date cell as YYYY-MM-DD (XLSX dates are read as date-times at midnight)."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(T00:00:00)?", text)
    return match.group(1) if match else text


def reference(text: str, prefix: str) -> int | None:
    match = re.fullmatch(rf"{prefix}-?0*(\d{{1,9}})", text.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def progress_every(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 250 == 0):
        progress(stage, done, total)


# --- importing the register ----------------------------------------------------------------


@dataclass
class Change:
    """A row that changes an existing object (``changes``) or adds one (``obj`` is None)."""

    number: int
    data: dict[str, Any]
    obj: Any = None


def run(ctx: OrgContext, file, name: str, rows_class, progress) -> ImportReport:
    """Read and check every row (``rows_class`` knows the kind of sheet), then save them all
    in one transaction or, with any problem, nothing."""
    sheet, report = start(ctx, file, name, rows_class.REQUIRED)
    if sheet is None:
        return finish(report, rows_class.COLUMNS)
    reader = rows_class(ctx.org, sheet)
    plan: list[Change] = []
    for done, row in enumerate(sheet.rows, start=1):
        change = reader.read(row, report)
        if change is not None:
            plan.append(change)
        progress_every(progress, "checking", done, len(sheet.rows))
    reader.check_new(plan, report)
    if report.errors:
        return finish(report, rows_class.COLUMNS)
    updates = [c for c in plan if c.obj is not None and c.data]
    report.unchanged = sum(1 for c in plan if c.obj is not None and not c.data)
    new = [c for c in plan if c.obj is None]
    total = len(updates) + len(new)
    try:
        with transaction.atomic():
            for done, change in enumerate(updates, start=1):
                try:
                    saved = reader.update(ctx, change)
                except ValidationError as exc:
                    _refused(report, change.number, exc)
                    continue
                report.updated.append(saved.reference)
                progress_every(progress, "saving", done, total)
            if report.errors:
                raise _RolledBack
            created = reader.create(
                ctx,
                [c.data for c in new],
                progress=_offset(progress, len(updates), total),
                labels=[f"row {c.number}" for c in new],
            )
            report.created = [c.reference for c in created]
    except bulk.BatchRefused as exc:
        for problem in exc.problems:
            column = reader.column_of(problem.field)
            report.errors.append(CellError(new[problem.index].number, column, problem.message))
    except _RolledBack:
        pass
    if report.errors:
        report.created, report.updated = [], []
    return finish(report, rows_class.COLUMNS)


class _RolledBack(Exception):
    """A service refused a row while saving: everything saved so far is rolled back."""


def _refused(report: ImportReport, number: int, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            report.errors.extend(CellError(number, name, m) for m in messages)
    else:
        report.errors.extend(CellError(number, None, m) for m in exc.messages)


def _offset(progress: Progress | None, before: int, total: int):
    if progress is None:
        return None
    return lambda done, _count: progress_every(progress, "saving", before + done, total)
