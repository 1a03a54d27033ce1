"""The document register from a spreadsheet (XLSX or CSV): all rows or none.

The first row names the columns (any case, spaces or underscores): ``reference`` (blank for a
new document, DOC-004 to change that one), ``title`` and ``kind`` (required), ``description``,
``owner`` and ``approver`` (members' e-mail addresses), ``reviewers`` (addresses separated by
commas or semicolons), ``classification`` (a label's name), ``clauses`` and ``controls``
(separated by commas: 5.2, A.5.1), ``review_months`` and ``next_review`` (YYYY-MM-DD). A column
left out leaves that field of existing documents as it is. Every row is checked — the cells
first, then by the register's own services inside one transaction — and with any problem
nothing is saved and the report names every one by row and column. Reading is the other
register imports' (formula-safe, size- and row-limited: ``annexa.core.spreadsheets.read_sheet``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError, ImportReport, describe
from annexa.core.tenancy import OrgContext
from annexa.documents.choices import DocumentKind
from annexa.documents.services import register
from annexa.isms.services.common import clean_text

__all__ = ["COLUMNS", "ImportReport", "describe", "import_register"]

COLUMNS = (
    "reference",
    "title",
    "kind",
    "description",
    "owner",
    "approver",
    "reviewers",
    "classification",
    "clauses",
    "controls",
    "review_months",
    "next_review",
)
REQUIRED = ("title", "kind")
Progress = Callable[[str, int, int], None]


class _RolledBack(Exception):
    pass


def import_register(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import documents from XLSX or CSV: every row valid and saved, or nothing changes."""
    ctx.require(register.MANAGE)
    try:
        sheet = spreadsheets.read_sheet(file, name)
    except spreadsheets.Unreadable as exc:  # the file as a whole: the message says why
        return ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    for column in REQUIRED:
        if column not in sheet.columns:
            report.errors.append(
                CellError(1, column, f"the column {column!r} is missing from the header row")
            )
    if not sheet.rows and not report.errors:
        report.errors.append(CellError(None, None, "the sheet has a header but no data rows"))
    if report.errors:
        return _sorted(report)
    members = _members(ctx.org)
    plan: list[tuple[int, Any, dict]] = []
    titles: dict[str, int] = {}
    for done, row in enumerate(sheet.rows, start=1):
        problems: list[CellError] = []
        cells = {c: clean_text(row.values.get(c, "")) for c in sheet.columns if c in COLUMNS}
        document = None
        if cells.get("reference"):
            document = register.find(ctx.org, cells["reference"])
            if document is None:
                problems.append(
                    CellError(
                        row.number,
                        "reference",
                        f"{cells['reference']} is not in the register (leave it blank "
                        "to add a document)",
                    )
                )
        data = _data(cells, members, row.number, problems)
        title = data.get("title", "").lower()
        if title:
            if title in titles:
                problems.append(
                    CellError(row.number, "title", f"the same title as row {titles[title]}")
                )
            titles.setdefault(title, row.number)
        report.errors.extend(problems)
        plan.append((row.number, document, data))
        if progress is not None:
            progress("checking", done, len(sheet.rows))
    if report.errors:
        return _sorted(report)
    try:
        with transaction.atomic():
            for done, (number, document, data) in enumerate(plan, start=1):
                try:
                    if document is None:
                        saved = register.create_document(ctx, data)
                        report.created.append(saved.reference)
                    else:
                        before = document.version
                        saved = register.update_document(ctx, document, data)
                        if saved.version == before:
                            report.unchanged += 1
                        else:
                            report.updated.append(saved.reference)
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        column = field if field in COLUMNS else None
                        report.errors.extend(CellError(number, column, m) for m in messages)
                if progress is not None:
                    progress("saving", done, len(plan))
            if report.errors:
                raise _RolledBack
    except _RolledBack:
        report.created, report.updated, report.unchanged = [], [], 0
    return _sorted(report)


def _sorted(report: ImportReport) -> ImportReport:
    def key(error: CellError):
        column = COLUMNS.index(error.column) if error.column in COLUMNS else len(COLUMNS)
        return (error.row or 0, column, error.message)

    report.errors.sort(key=key)
    return report


def _members(org) -> dict[str, Any]:
    from annexa.orgs.models import User

    return {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}


def _data(cells: dict[str, str], members, number: int, problems: list[CellError]) -> dict:
    """The service's ``data`` from one row's cells (only the columns the sheet has)."""
    data: dict[str, Any] = {}

    def problem(column: str, message: str) -> None:
        problems.append(CellError(number, column, message))

    def member(column: str, text: str):
        user = members.get(text.lower())
        if user is None:
            problem(column, f"{text} is not a member of this organization")
        return user

    for column in ("title", "description"):
        if column in cells:
            data[column] = cells[column]
    if not cells.get("title"):
        problem("title", "give the document's title")
    if "kind" in cells:
        wanted = cells["kind"].lower()
        kind = next(
            (v for v, label in DocumentKind.choices if wanted in (v, str(label).lower())), None
        )
        if kind is None:
            problem("kind", f"{cells['kind']!r} is not a kind: {', '.join(DocumentKind.values)}")
        data["kind"] = kind
    for column in ("owner", "approver"):
        if column in cells:
            data[column] = member(column, cells[column]) if cells[column] else None
    if "reviewers" in cells:
        addresses = [a for a in re.split(r"[,;\s]+", cells["reviewers"]) if a]
        data["reviewers"] = [member("reviewers", a) for a in addresses]
    if "classification" in cells:
        data["classification"] = cells["classification"] or None
    for column in ("clauses", "controls"):
        if column in cells:
            data[column] = [i.strip() for i in re.split(r"[,;]", cells[column]) if i.strip()]
    if cells.get("review_months"):
        data["review_months"] = cells["review_months"]
    if "next_review" in cells:
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(T00:00:00)?", cells["next_review"])
        if cells["next_review"] and not match:
            problem("next_review", f"give a date as YYYY-MM-DD, not {cells['next_review']!r}")
        data["next_review"] = match.group(1) if match else None
    return data
