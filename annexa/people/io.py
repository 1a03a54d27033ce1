"""The people register as a spreadsheet: export to XLSX or CSV, and an all-or-nothing import
of an HR export (XLSX, or CSV in UTF-8).

The file
    The first row names the columns, in any case, with spaces, underscores or hyphens
    ("Employee ID", "employee_id", "E-mail"). ``name`` and one of ``employee_id`` / ``email``
    are required; the others are optional:

    ============================ =====================================================
    employee_id                  HR's identifier; the key a person is found by
    name                         full name (required)
    email                        work e-mail address; the key when there is no employee id
    department, job_title        text
    manager                      the manager's e-mail address or employee id, of a person
                                 in the register or in another row of the file
    start_date, end_date         YYYY-MM-DD (ISO 8601; XLSX date cells are read as dates)
    screened_on                  YYYY-MM-DD: background verification done (A.6.1)
    terms_signed_on              YYYY-MM-DD: terms and conditions / NDA signed (A.6.2, A.6.6)
    training_course              a completed course (7.2, 7.3); several separated by ";"
    training_completed_on        its completion date(s), YYYY-MM-DD, paired in order
    ============================ =====================================================

    Only ISO dates are accepted: 03/04/2026 is the 3rd of April in one country and the 4th
    of March in another, so it is refused rather than guessed. Other columns (an HR export
    holds many) are ignored and named in the report. A column left out leaves that field of
    existing people as it is; a blank cell in a column that is there clears the field (the
    HR export is the record of employment). ``source`` is exported for the reader only.

All or nothing
    Every row is read and checked (``services.bulk.upsert_people`` with ``check_only``) before
    anything is written; one problem anywhere and nothing is saved: the report names every
    problem by row, column and reason. Otherwise every row is saved in one transaction, in
    bulk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError, Sheet
from annexa.core.tenancy import OrgContext
from annexa.people.choices import PersonSource
from annexa.people.models import Person
from annexa.people.services.bulk import PeopleRefused, PersonRow, upsert_people
from annexa.people.services.people import DATE_FIELDS, MANAGE, label_of

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {"xlsx": spreadsheets.XLSX_MEDIA_TYPE, "csv": spreadsheets.CSV_MEDIA_TYPE}
MAX_IMPORT_BYTES = spreadsheets.MAX_IMPORT_BYTES
MAX_IMPORT_ROWS = spreadsheets.MAX_IMPORT_ROWS
COLUMNS = (
    "employee_id",
    "name",
    "email",
    "department",
    "job_title",
    "manager",
    "start_date",
    "end_date",
    "screened_on",
    "terms_signed_on",
    "training_course",
    "training_completed_on",
    "source",
)
WIDTHS = (12, 28, 30, 20, 24, 30, 12, 12, 12, 14, 30, 22, 20)
IMPORTED = COLUMNS[:-1]
ALIASES = {"e-mail": "email", "e-mail_address": "email", "email_address": "email"}
ALIASES |= {"employee_number": "employee_id", "full_name": "name", "title": "job_title"}
ALIASES |= {"screening_date": "screened_on", "terms_signed": "terms_signed_on"}
TRAINING = ("training_course", "training_completed_on")
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00)?)?")
SEPARATOR = ";"

# progress(stage, done, total): stage is "checking" or "saving".
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport(spreadsheets.ImportReport):
    """What an import did (counts), or why it did nothing (``errors`` by row and column; the
    header is row 1). ``ignored`` are the file's columns the import does not read."""

    created: int = 0  # type: ignore[assignment]
    updated: int = 0  # type: ignore[assignment]
    trainings: int = 0
    ignored: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"trainings": self.trainings, "ignored_columns": self.ignored}

    def summary(self) -> str:
        if self.errors:
            return super().summary()
        return (
            f"{self.created} created, {self.updated} changed, {self.unchanged} unchanged, "
            f"{self.trainings} training completion(s) recorded."
        )


describe = spreadsheets.describe


# --- export --------------------------------------------------------------------------------


def export_people(org, fmt: str, people: Iterable[Person] | None = None) -> bytes:
    """The register (everyone unless ``people``) as XLSX or CSV, in the import's columns."""
    found = people_for_export(Person.objects.for_org(org)) if people is None else people
    rows = [_row(p) for p in found]
    if fmt == "csv":
        return spreadsheets.write_csv(COLUMNS, rows)
    return spreadsheets.write_xlsx(COLUMNS, rows, title="People", widths=WIDTHS)


def people_for_export(queryset):
    return queryset.select_related("manager").prefetch_related("trainings")


def filename(org, fmt: str) -> str:
    return f"people-{org.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def _row(person: Person) -> list[object]:
    trainings = sorted(person.trainings.all(), key=lambda t: (t.completed_on, t.course))
    return [
        person.employee_id,
        person.name,
        person.email,
        person.department,
        person.job_title,
        label_of(person.manager) if person.manager_id else "",
        *[_date(getattr(person, name)) for name in DATE_FIELDS],
        f"{SEPARATOR} ".join(t.course for t in trainings),
        f"{SEPARATOR} ".join(t.completed_on.isoformat() for t in trainings),
        person.get_source_display(),
    ]


def _date(value) -> str:
    return value.isoformat() if value else ""


# --- import --------------------------------------------------------------------------------


def import_people(
    ctx: OrgContext,
    file: bytes | BinaryIO,
    name: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an HR export (XLSX or CSV): every row valid and saved, or nothing changes (the
    report names every problem)."""
    ctx.require(MANAGE)
    try:
        sheet = spreadsheets.read_sheet(file, name)
    except spreadsheets.Unreadable as exc:
        return ImportReport(errors=[CellError(None, None, str(exc))])
    report = ImportReport(errors=list(sheet.errors))
    columns = _columns(sheet, report)
    if columns is None:
        return _finish(report)
    rows = []
    total = len(sheet.rows)
    for done, row in enumerate(sheet.rows, start=1):
        rows.append(_person_row(row.number, _renamed(row.values), columns, report))
        if progress is not None and (done == total or done % 250 == 0):
            progress("checking", done, total)
    numbers = [row.number for row in sheet.rows]
    given = [c for c in columns if c not in TRAINING]
    arguments = {
        "source": PersonSource.IMPORT,
        "source_ref": name[:300],
        "fields": given,
        "labels": [f"row {n}" for n in numbers],
    }
    try:
        with transaction.atomic():
            upsert_people(ctx, rows, check_only=True, **arguments)
            if report.errors:
                return _finish(report)

            def saving(done: int, count: int) -> None:
                if progress is not None:
                    progress("saving", done, count)

            result = upsert_people(ctx, rows, progress=saving, **arguments)
    except PeopleRefused as exc:
        for problem in exc.problems:
            column = problem.field if problem.field in IMPORTED else _column_of(problem.field)
            report.errors.append(CellError(numbers[problem.index], column, problem.message))
        return _finish(report)
    report.created, report.updated = len(result.created), len(result.updated)
    report.unchanged, report.trainings = result.unchanged, result.trainings
    return report


def _columns(sheet: Sheet, report: ImportReport) -> list[str] | None:
    """The columns the import reads (by their canonical names), or ``None`` when the header
    is unusable (its problems are in ``report``)."""
    columns = []
    for column in sheet.columns:
        canonical = ALIASES.get(column, column.replace("-", "_"))
        if canonical in IMPORTED and canonical not in columns:
            columns.append(canonical)
        elif canonical in IMPORTED:
            report.errors.append(CellError(1, column, f"a second column for {canonical}"))
        elif canonical != "source":
            report.ignored.append(column)
    if "name" not in columns:
        report.errors.append(CellError(1, "name", "the column 'name' is missing"))
    if "employee_id" not in columns and "email" not in columns:
        report.errors.append(
            CellError(1, "employee_id", "give a column 'employee_id' or 'email' (or both)")
        )
    if (TRAINING[0] in columns) != (TRAINING[1] in columns):
        missing = TRAINING[1] if TRAINING[0] in columns else TRAINING[0]
        report.errors.append(
            CellError(1, missing, "training_course and training_completed_on go together")
        )
    if any(e.row == 1 for e in report.errors):
        return None
    if not sheet.rows:
        report.errors.append(CellError(None, None, "the sheet has a header but no data rows"))
        return None
    return columns


def _renamed(values: dict[str, str]) -> dict[str, str]:
    return {ALIASES.get(k, k.replace("-", "_")): v for k, v in values.items()}


def _person_row(
    number: int, values: dict[str, str], columns: list[str], report: ImportReport
) -> PersonRow:
    def text(column: str) -> str:
        return (values.get(column) or "").strip()

    data: dict[str, Any] = {}
    for column in ("employee_id", "name", "email", "department", "job_title", "manager"):
        data[column] = text(column)
    for column in DATE_FIELDS:
        data[column] = _parse_date(number, column, text(column), report)
    trainings: list[tuple[str, Any]] = []
    if TRAINING[0] in columns:
        courses = (
            [c.strip() for c in text(TRAINING[0]).split(SEPARATOR)] if text(TRAINING[0]) else []
        )
        dates = [d.strip() for d in text(TRAINING[1]).split(SEPARATOR)] if text(TRAINING[1]) else []
        if len(courses) != len(dates):
            report.errors.append(
                CellError(
                    number,
                    TRAINING[1],
                    f"{len(courses)} course(s) but {len(dates)} date(s): give one completion "
                    f"date for each course, in the same order, separated by '{SEPARATOR}'",
                )
            )
        else:
            for course, raw in zip(courses, dates, strict=True):
                completed = _parse_date(number, TRAINING[1], raw, report)
                if completed is not None:
                    trainings.append((course, completed))
    return PersonRow(**data, trainings=tuple(trainings))


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(SEPARATOR)] if text else []


def _parse_date(number: int, column: str, raw: str, report: ImportReport):
    if not raw:
        return None
    match = ISO_DATE.fullmatch(raw)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            pass
    report.errors.append(
        CellError(number, column, f"{raw!r} is not a date: write it as YYYY-MM-DD")
    )
    return None


def _column_of(name: str) -> str:
    """The sheet column a service's field name stands for."""
    return {"course": TRAINING[0], "completed_on": TRAINING[1]}.get(name, name)


def _finish(report: ImportReport) -> ImportReport:
    order = list(COLUMNS)

    def key(error: CellError):
        column = order.index(error.column) if error.column in order else len(order)
        return (error.row or 0, column, error.message)

    seen: set[tuple[int | None, str | None]] = set()
    kept = []
    for error in report.errors:  # a cell the reader refused is not judged again
        if error.row is None or (error.row, error.column) not in seen:
            kept.append(error)
        seen.add((error.row, error.column))
    report.errors = sorted(kept, key=key)
    return report
