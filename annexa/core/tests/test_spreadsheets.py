import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from annexa.core import spreadsheets
from annexa.core.spreadsheets import SpreadsheetError, neutralise, read_xlsx

HOSTILE = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"]


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_neutralises_cells_that_could_run_as_formulas():
    for value in HOSTILE:
        assert neutralise(value) == "'" + value
    assert neutralise("plain") == "plain"
    assert neutralise(None) == ""
    assert neutralise("a=b") == "a=b"


def test_it_writes_xlsx_with_string_cells_only():
    data = spreadsheets.write_xlsx(["name"], [[v] for v in HOSTILE])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(HOSTILE)
    # The standard-library XML reader turns a stored carriage return into a line feed, lxml
    # (present with python-docx) keeps it; either way the apostrophe stays in front.
    read = [c.value.replace("\r", "\n") for c in cells]
    assert read == ["'" + v.replace("\r", "\n") for v in HOSTILE]


def test_it_writes_csv_with_neutralised_cells():
    data = spreadsheets.write_csv(["name"], [[v] for v in HOSTILE])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE]


def test_it_reads_back_what_it_wrote():
    data = spreadsheets.write_xlsx(["Control ID", "Notes"], [["A.5.1", "-- see policy"]])
    sheet = read_xlsx(data, required_columns=["control_id", "notes"])
    assert sheet.errors == []
    assert sheet.columns == ["control_id", "notes"]
    assert [(r.number, r.values) for r in sheet.rows] == [
        (2, {"control_id": "A.5.1", "notes": "-- see policy"})
    ]


def test_it_reports_formulas_dangerous_text_and_missing_columns_with_rows():
    data = workbook_bytes(
        [["a", "b"], ['=HYPERLINK("http://evil.test","x")', "ok"], [None, None], ["fine", "+cmd"]]
    )
    sheet = read_xlsx(data, required_columns=["a", "c"])
    found = {(e.row, e.column): e.message for e in sheet.errors}
    assert "missing" in found[(1, "c")]
    assert "formulas are not accepted" in found[(2, "a")]
    assert "'+'" in found[(4, "b")]
    assert [r.number for r in sheet.rows] == [2, 4]  # the blank row 3 is skipped


def test_it_refuses_files_that_are_not_xlsx():
    for data in (b"", b"name\nA.5.1\n", b"PK\x03\x04 broken"):
        with pytest.raises(SpreadsheetError):
            read_xlsx(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(SpreadsheetError, match=r"xl/workbook\.xml"):
        read_xlsx(buffer.getvalue())


def test_it_refuses_oversize_files_and_too_many_rows():
    data = workbook_bytes([["a"], *[[str(i)] for i in range(30)]])
    with pytest.raises(SpreadsheetError, match="larger than"):
        read_xlsx(data, max_bytes=len(data) - 1)
    with pytest.raises(SpreadsheetError, match="more than 10 data rows"):
        read_xlsx(data, max_rows=10)
    with pytest.raises(SpreadsheetError, match="unpacks"):
        read_xlsx(data, max_uncompressed=1000)


def test_it_reports_a_column_named_twice():
    sheet = read_xlsx(workbook_bytes([["a", "A "], ["1", "2"]]))
    assert [(e.row, e.column) for e in sheet.errors] == [(1, "a")]


# --- formula characters after whitespace, and the round trip -------------------------------

WHITESPACE_HOSTILE = [" =cmd", "\t=1", "  +1", "\n-2", "\u00a0@SUM(A1)", " \t =1"]


def test_it_neutralises_formulas_after_leading_whitespace():
    for value in WHITESPACE_HOSTILE:
        assert neutralise(value) == "'" + value
    assert neutralise(" plain") == " plain"
    assert neutralise("'quoted") == "''quoted"  # our apostrophe stays distinguishable


def test_it_refuses_raw_formulas_after_whitespace_on_import():
    data = workbook_bytes([["a"], [" =cmd"], ["'  =cmd"]])
    sheet = read_xlsx(data)
    assert [(e.row, e.message[:16]) for e in sheet.errors] == [(2, "starts with ' ='")]
    assert sheet.rows[1].values == {"a": "  =cmd"}


def _starts_like_a_formula(cell: str) -> bool:
    return cell.lstrip().startswith(("=", "+", "-", "@"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
@example("\x1b=")  # a character XML cannot hold, stripped, must not leave a bare "="
def test_export_then_import_gives_back_the_text(text):
    """Any text survives XLSX export → import (less what XML cannot hold), and no exported
    cell, XLSX or CSV, starts with a formula character, even after whitespace."""
    expected = spreadsheets.ILLEGAL_XML.sub("", text)
    data = spreadsheets.write_xlsx(["text", "marker"], [[text, "x"]])
    sheet = read_xlsx(data, required_columns=["text"])
    assert sheet.errors == []
    assert sheet.rows[0].values["text"] == expected
    stored = load_workbook(io.BytesIO(data)).worksheets[0]["A2"].value or ""
    assert not _starts_like_a_formula(stored)
    assert not stored.startswith(("\t", "\r"))
    exported = spreadsheets.write_csv(["text"], [[text]]).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(exported, newline="")) for cell in row]
    assert not any(_starts_like_a_formula(c) or c.startswith(("\t", "\r")) for c in cells)
