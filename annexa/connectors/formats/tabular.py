"""CSV and XLSX exports of systems without an API: accounts, assets, training records.

Each kind has a typed column schema. A file is read whole and validated all or nothing: every
problem (missing column, bad date, unknown choice, duplicate key, formula) is collected with its
row and column, and a file with any problem is refused, so a half-valid list never becomes
evidence. XLSX goes through ``annexa.core.spreadsheets`` (formula and zip-bomb safe); CSV gets
the same formula-injection rule here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from annexa.connectors.formats import FormatError
from annexa.core import spreadsheets
from annexa.core.spreadsheets import CellError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text, email, date, bool, choice
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class TableSchema:
    """The columns of one kind of export and the columns that identify a row."""

    kind: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


ACCOUNTS = TableSchema(
    kind="accounts",
    label="User accounts",
    key=("system", "account"),
    columns=(
        Column("account", required=True, help="login name in the system"),
        Column("system", required=True, help="the system or application"),
        Column("person", "email", help="e-mail of the person who owns it; empty for shared"),
        Column("person_status", "choice", choices=("active", "on_leave", "terminated")),
        Column("terminated_on", "date"),
        Column("account_status", "choice", True, ("enabled", "disabled", "locked")),
        Column("mfa", "bool"),
        Column("privileged", "bool"),
        Column("last_login", "date"),
        Column("last_reviewed", "date"),
    ),
)
ASSETS = TableSchema(
    kind="assets",
    label="Asset inventory",
    key=("asset_id",),
    columns=(
        Column("asset_id", required=True),
        Column("name", required=True),
        Column(
            "type",
            "choice",
            True,
            ("laptop", "desktop", "server", "mobile", "network", "cloud", "saas", "data", "other"),
        ),
        Column("owner", help="the person or role accountable for the asset"),
        Column(
            "classification", "choice", choices=("public", "internal", "confidential", "restricted")
        ),
        Column("encrypted", "bool"),
        Column("status", "choice", choices=("in_use", "stored", "retired")),
        Column("location"),
    ),
)
TRAINING = TableSchema(
    kind="training",
    label="Training records",
    key=("person", "course"),
    columns=(
        Column("person", "email", True),
        Column("course", required=True),
        Column("assigned_on", "date"),
        Column("due_on", "date"),
        Column("completed_on", "date"),
        Column("status", "choice", True, ("assigned", "in_progress", "completed", "exempt")),
    ),
)
SCHEMAS = {schema.kind: schema for schema in (ACCOUNTS, ASSETS, TRAINING)}


class TableRejected(FormatError):
    """The file has problems; ``errors`` lists each with its row and column."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        shown = "; ".join(spreadsheets.describe(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class Table:
    """A validated export: its kind and typed rows (dates as ``date``, booleans as ``bool``)."""

    kind: str
    rows: list[dict[str, Any]]


def is_xlsx(head: bytes, filename: str) -> bool:
    return head.startswith(b"PK") or filename.lower().endswith(".xlsx")


def read_sheet(stream: BinaryIO, filename: str) -> spreadsheets.Sheet:
    """The raw sheet (text cells by column) of a CSV or XLSX file."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FormatError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if is_xlsx(data[:4], filename):
        try:
            return spreadsheets.read_xlsx(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
        except spreadsheets.SpreadsheetError as exc:
            raise FormatError(str(exc)) from None
    return _read_csv(data)


def _read_csv(data: bytes) -> spreadsheets.Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError("the CSV file is not UTF-8: export it as CSV UTF-8") from None
    # strict: a quoted cell still open at the end of the file (a file cut short) is an error,
    # not a cell that silently runs to the end.
    rows = _csv_rows(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = next(rows, None)
    if not header or not any(cell.strip() for cell in header):
        raise FormatError("the first row must name the columns; it is empty")
    sheet = spreadsheets.Sheet(columns=[])
    positions = spreadsheets.header_positions(header, sheet)
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise FormatError(f"the file has more than {MAX_ROWS} data rows")
        values = {}
        for index, name in positions.items():
            value = cells[index] if index < len(cells) else ""
            values[name] = _csv_cell(value, number, name, sheet)
        if any(v.strip() for v in values.values()):
            sheet.rows.append(spreadsheets.SheetRow(number=number, values=values))
    return sheet


def _csv_rows(reader) -> Iterator[list[str]]:
    """The reader's rows; its errors (a broken quote, a cell past the size limit, the file
    ending inside a quoted cell) as ``FormatError`` naming the line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise FormatError(f"the CSV file is malformed at line {reader.line_num}: {exc}") from None


def _csv_cell(value: str, row: int, column: str, sheet: spreadsheets.Sheet) -> str:
    """A CSV cell with the spreadsheet module's formula rule (our apostrophe is dropped)."""
    if value.startswith(spreadsheets.NEUTRALISER) and spreadsheets.is_dangerous(value[1:]):
        return value[1:]
    if spreadsheets.is_dangerous(value):
        sheet.errors.append(
            CellError(row, column, f"starts with {value[:1]!r}, which may run as a formula")
        )
        return ""
    return value


def detect_schema(columns: list[str]) -> TableSchema:
    """The one schema whose required columns the header has; ``FormatError`` otherwise."""
    matches = [s for s in SCHEMAS.values() if set(s.required) <= set(columns)]
    if len(matches) == 1:
        return matches[0]
    kinds = ", ".join(SCHEMAS)
    if not matches:
        raise FormatError(
            f"the columns {', '.join(columns)} match no known export ({kinds}); "
            "see the required columns of each"
        )
    raise FormatError(f"the columns fit several kinds ({', '.join(m.kind for m in matches)})")


def read_table(stream: BinaryIO, filename: str, kind: str | None = None) -> Table:
    """Read and validate a whole export; ``TableRejected`` lists every problem."""
    sheet = read_sheet(stream, filename)
    schema = SCHEMAS[kind] if kind else detect_schema(sheet.columns)
    errors = list(sheet.errors)
    for name in schema.required:
        if name not in sheet.columns:
            errors.append(CellError(1, name, f"the column {name!r} is missing"))
    rows = []
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        typed = _typed_row(schema, row, errors)
        key = tuple(str(typed.get(k) or "").lower() for k in schema.key)
        if all(key) and key in seen:
            errors.append(CellError(row.number, schema.key[-1], f"duplicates row {seen[key]}"))
        seen.setdefault(key, row.number)
        rows.append(typed)
    if not rows and not errors:
        errors.append(CellError(None, None, "the file has a header but no data rows"))
    if errors:
        raise TableRejected(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))
    return Table(kind=schema.kind, rows=rows)


def _typed_row(schema: TableSchema, row: spreadsheets.SheetRow, errors: list) -> dict[str, Any]:
    typed: dict[str, Any] = {"_row": row.number}
    for column in schema.columns:
        raw = (row.values.get(column.name) or "").strip()
        if not raw:
            if column.required:
                errors.append(CellError(row.number, column.name, "a value is required"))
            typed[column.name] = None
            continue
        try:
            typed[column.name] = _convert(column, raw)
        except ValueError as exc:
            errors.append(CellError(row.number, column.name, str(exc)))
            typed[column.name] = None
    return typed


def _convert(column: Column, raw: str) -> Any:
    if column.type == "date":
        # XLSX date cells arrive as ISO datetimes ("2025-03-31T00:00:00").
        text = raw[:10] if len(raw) > 10 and raw[10] in "T " else raw
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{raw!r} is not a date like 2025-03-31") from None
    if column.type == "bool":
        lowered = raw.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ValueError(f"{raw!r} is not true or false")
    if column.type == "choice":
        value = "_".join(raw.lower().replace("-", " ").split())
        if value not in column.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(column.choices)}")
        return value
    if column.type == "email":
        if not EMAIL.match(raw):
            raise ValueError(f"{raw!r} is not an e-mail address")
        return raw.lower()
    return raw


def looks_like(head: bytes, filename: str) -> bool:
    return filename.lower().endswith((".csv", ".xlsx"))
