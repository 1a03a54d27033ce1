"""Spreadsheets in and out (XLSX and CSV), safe against formula injection.

Anything a user typed can end up in a cell that someone later opens in Excel or LibreOffice. A
cell that starts with ``=``, ``+``, ``-``, ``@`` — also after leading whitespace (``" =cmd"``,
``"\t=1"``), which spreadsheet programs skip — or with a tab or a carriage return may be run
as a formula there (CSV injection), so every text we write goes through ``neutralise``, which
prefixes such a value with an apostrophe (and one that already starts with an apostrophe, so
the reader can tell ours from the user's), and XLSX cells are always written as string cells.
Characters XML cannot hold (control characters other than tab and line breaks) are dropped
from XLSX cells: no workbook can contain them.

Reading is the mirror image: ``read_xlsx`` refuses formula cells and raw dangerous text, accepts
the neutralised form (dropping our apostrophe again, so an export imports unchanged), and
refuses files that are too large, have too many rows, or are not XLSX workbooks at all. It
collects every cell problem instead of stopping at the first, so a user fixes a sheet in one go.
``read_sheet`` takes either an XLSX workbook or a CSV file (UTF-8, with or without a byte-order
mark) and reads the CSV by the same rules, raising ``Unreadable`` when the file as a whole is not
usable; the register imports (risks, assets, people, accounts, documents) read through it, report
with ``ImportReport`` and print each problem with ``describe``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, BinaryIO

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@")
DANGEROUS_PREFIXES = (*FORMULA_STARTS, "\t", "\r")
NEUTRALISER = "'"
# XML 1.0 has no place for these: openpyxl refuses them, so XLSX cells leave them out.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
# A workbook is a zip: a few kilobytes can inflate to gigabytes (a "zip bomb").
DEFAULT_MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COLUMNS = 64
# The limits of ``read_sheet`` (the register imports: XLSX or CSV).
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (not XLSX, too large, no header row…)."""


class Unreadable(Exception):
    """``read_sheet``: the file as a whole cannot be read (the message says why)."""


@dataclass(frozen=True)
class CellError:
    """One problem in one cell.

    ``row`` is the spreadsheet row number (the header is row 1) and ``column`` the column name;
    both are ``None`` for a problem with the file as a whole.
    """

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class SheetRow:
    """A data row: its spreadsheet row number and its cells by (normalised) column name."""

    number: int
    values: dict[str, str]


@dataclass
class Sheet:
    """What ``read_xlsx`` found: the columns, the non-empty data rows, and every cell problem."""

    columns: list[str]
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def describe(error: CellError) -> str:
    """``row 7, column owner: …`` (or the file's problem alone)."""
    where = []
    if error.row is not None:
        where.append(f"row {error.row}")
    if error.column:
        where.append(f"column {error.column}")
    return f"{', '.join(where)}: {error.message}" if where else error.message


@dataclass
class ImportProblems:
    """Why an all-or-nothing import did nothing: ``errors``, by row and column (the header is
    row 1); none when it was saved."""

    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})

    def refusal(self) -> str:
        """``3 problem(s) in 2 row(s); nothing was imported.``"""
        rows = self.bad_rows
        where = f" in {len(rows)} row(s)" if rows else ""
        return f"{len(self.errors)} problem(s){where}; nothing was imported."


@dataclass
class ImportReport(ImportProblems):
    """What an all-or-nothing import did (references created and updated, rows unchanged), or
    why it did nothing (``errors``)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "errors": [e.as_dict() for e in self.errors],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def summary(self) -> str:
        if self.errors:
            return self.refusal()
        return (
            f"{len(self.created)} created, {len(self.updated)} changed, {self.unchanged} unchanged."
        )


# --- writing ---------------------------------------------------------------------------------


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet program could take ``text`` for a formula: it starts with a
    formula character, also after leading whitespace, or with a tab or carriage return."""
    return text.startswith(DANGEROUS_PREFIXES) or text.lstrip().startswith(FORMULA_STARTS)


def _needs_neutraliser(text: str) -> bool:
    # Text that starts with our apostrophe is prefixed too, or reading it back would drop it.
    return is_dangerous(text) or text.startswith(NEUTRALISER)


def neutralise(value: object) -> str:
    """``value`` as cell text that no spreadsheet program will evaluate."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return NEUTRALISER + text if _needs_neutraliser(text) else text


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV (RFC 4180) in UTF-8 with a byte-order mark, which Excel needs to read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """An XLSX workbook with one sheet: a bold, frozen header row and string cells only."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths or (), start=1):
        sheet.column_dimensions[_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value: object, font: Font | None = None) -> WriteOnlyCell:
        # Strip what XML cannot hold first: "\x1b=" must not become a bare "=".
        text = "" if value is None else value if isinstance(value, str) else str(value)
        c = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_XML.sub("", text)))
        c.data_type = "s"  # never a formula, whatever the text looks like
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(c, bold) for c in columns])
    for row in rows:
        sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


# --- reading ---------------------------------------------------------------------------------


def normalise_header(name: object) -> str:
    """``"Control ID "`` → ``"control_id"``: headers match however a person typed them."""
    return "_".join(str(name or "").strip().lower().split())


def read_xlsx(
    source: bytes | BinaryIO,
    *,
    required_columns: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> Sheet:
    """The first worksheet of an XLSX workbook as rows of text, with every cell problem.

    Raises ``SpreadsheetError`` when the file as a whole is unusable. Cell problems (formulas,
    dangerous text, missing required columns) are collected in ``Sheet.errors``.
    """
    data = _read_limited(source, max_bytes)
    _check_zip(data, max_uncompressed)
    worksheet = _open_first_sheet(data)
    header = next(iter(worksheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS)), None)
    if header is None:
        raise SpreadsheetError("the sheet is empty: the first row must name the columns")
    sheet = Sheet(columns=[])
    positions = _read_header(header, sheet)
    _check_required(sheet, required_columns)
    width = max(positions) + 1
    # Read-only mode yields every row, empty ones included, so row numbers follow the count.
    rows = worksheet.iter_rows(min_row=2, max_row=max_rows + 2, max_col=width)
    for number, cells in enumerate(rows, start=2):
        if number > max_rows + 1:
            raise SpreadsheetError(f"the sheet has more than {max_rows} data rows")
        _read_row(number, cells, positions, sheet)
    return sheet


def read_sheet(
    source: bytes | BinaryIO,
    name: str = "",
    *,
    max_bytes: int = MAX_IMPORT_BYTES,
    max_rows: int = MAX_IMPORT_ROWS,
) -> Sheet:
    """The first sheet of an XLSX workbook or a CSV file (UTF-8) as text cells, with every
    cell problem (formulas, text a spreadsheet would run); ``Unreadable`` when the file as a
    whole is not usable. A file is XLSX when it starts as a zip does or ``name`` ends in
    .xlsx; anything else is read as CSV."""
    data = source if isinstance(source, bytes) else source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Unreadable(f"the file is larger than {max_bytes // (1024 * 1024)} MiB")
    if not data:
        raise Unreadable("the file is empty")
    if data.startswith(b"PK") or name.lower().endswith(".xlsx"):
        try:
            return read_xlsx(data, max_bytes=max_bytes, max_rows=max_rows)
        except SpreadsheetError as exc:
            raise Unreadable(str(exc)) from None
    return _read_csv(data, max_rows)


def _read_csv(data: bytes, max_rows: int) -> Sheet:
    """A CSV file read by the XLSX reader's own rules (header, formula-safety, blank rows)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(
            "this is neither an XLSX workbook nor a UTF-8 CSV file (save it as .xlsx, or as "
            "CSV UTF-8)"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise Unreadable(f"the CSV file is malformed at line {reader.line_num}: {exc}") from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise Unreadable("the first row must name the columns; it is empty")
    if len(lines) - 1 > max_rows:
        raise Unreadable(f"the file has more than {max_rows} data rows")
    sheet = Sheet(columns=[])
    positions = header_positions(lines[0], sheet)
    for number, cells in enumerate(lines[1:], start=2):
        _read_row(number, [_csv_cell(c) for c in cells], positions, sheet)
    return sheet


def _csv_cell(value: str) -> SimpleNamespace:
    """A CSV cell in the shape the XLSX reader's cell checks take (text, never a formula)."""
    return SimpleNamespace(value=value or None, data_type="s")


def _read_limited(source: bytes | BinaryIO, max_bytes: int) -> bytes:
    data = source if isinstance(source, bytes) else source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(f"the file is larger than {max_bytes // 1024} KiB")
    if not data:
        raise SpreadsheetError("the file is empty")
    return data


def _check_zip(data: bytes, max_uncompressed: int) -> None:
    if not data.startswith(b"PK"):
        raise SpreadsheetError("this is not an XLSX workbook (save the sheet as .xlsx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetError("this is not an XLSX workbook (the zip is damaged)") from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError("this is not an XLSX workbook (no xl/workbook.xml inside)")
    if sum(m.file_size for m in members) > max_uncompressed:
        raise SpreadsheetError("the workbook unpacks to more data than allowed")


def _open_first_sheet(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed parts
        raise SpreadsheetError(f"the workbook cannot be read: {exc}") from exc
    if not workbook.worksheets:
        raise SpreadsheetError("the workbook has no worksheet")
    return workbook.worksheets[0]


def _read_header(cells: Sequence, sheet: Sheet) -> dict[int, str]:
    return header_positions([cell.value for cell in cells], sheet)


def header_positions(names: Sequence[object], sheet: Sheet) -> dict[int, str]:
    """The header row's normalised column names by position, added to ``sheet.columns``; a
    name given twice is a problem in ``sheet.errors`` (its second column is not read), a row
    with no name at all a ``SpreadsheetError``."""
    positions: dict[int, str] = {}
    for index, value in enumerate(names):
        name = normalise_header(value)
        if not name:
            continue
        if name in positions.values():
            sheet.errors.append(CellError(1, name, "this column appears twice in the header"))
            continue
        positions[index] = name
        sheet.columns.append(name)
    if not positions:
        raise SpreadsheetError("the first row must name the columns; it is empty")
    return positions


def _check_required(sheet: Sheet, required: Sequence[str]) -> None:
    for name in required:
        if name not in sheet.columns:
            sheet.errors.append(CellError(1, name, f"the column {name!r} is missing"))


def _read_row(number: int, cells: Sequence, positions: dict[int, str], sheet: Sheet) -> None:
    values: dict[str, str] = {}
    for index, cell in enumerate(cells):
        column = positions.get(index)
        if column is None:
            continue
        text, problem = _cell_text(cell)
        if problem:
            sheet.errors.append(CellError(number, column, problem))
        values[column] = text
    if any(v.strip() for v in values.values()) or any(e.row == number for e in sheet.errors):
        sheet.rows.append(SheetRow(number=number, values=values))


def _cell_text(cell) -> tuple[str, str | None]:
    """The cell as text, and what is wrong with it (``None`` when it is acceptable)."""
    value = cell.value
    if getattr(cell, "data_type", None) == "f":
        return "", "formulas are not accepted: type the value itself"
    if value is None:
        return "", None
    if isinstance(value, str):
        if value.startswith(NEUTRALISER) and _needs_neutraliser(value[1:]):
            return value[1:], None
        if is_dangerous(value):
            shown = repr(value[: len(value) - len(value.lstrip()) + 1])
            return "", (
                f"starts with {shown}, which spreadsheet programs may run as a formula: "
                "remove it or put an apostrophe (') before it"
            )
        return value, None
    return _scalar_text(value), None


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)
