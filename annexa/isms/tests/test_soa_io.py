import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import SoAEntry
from annexa.isms.services import export_csv, export_xlsx, import_soa, update_soa_entry
from annexa.isms.services.soa_io import COLUMNS
from annexa.isms.tests.conftest import ledger_count, sheet

WHY = "Customer data must only be reachable by people who need it."


def decide(persona, control_id: str, **changes) -> SoAEntry:
    values = {
        "applicable": True,
        "justification": WHY,
        "status": ImplementationStatus.IMPLEMENTED,
    }
    return update_soa_entry(persona.ctx, control_id, {**values, **changes})


def rows_of(data: bytes) -> list[list[str]]:
    worksheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in worksheet.iter_rows()]


def test_it_exports_every_control_with_the_agreed_columns(soa, isla, colin):
    decide(isla, "A.5.15", control_owner=colin.user, notes="Reviewed quarterly.")
    rows = rows_of(export_xlsx(soa))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 94
    row = next(r for r in rows if r[0] == "A.5.15")
    assert row == [
        "A.5.15",
        "Access control",
        "Organizational",
        "yes",
        WHY,
        "implemented",
        "colin@acme.test",
        "Reviewed quarterly.",
        None,  # risks_treated: no risk treatment chose A.5.15 (test_risk_soa.py covers it)
    ]


def test_it_round_trips_without_changing_anything(soa, isla, colin):
    decide(isla, "A.5.15", control_owner=colin.user, notes="-- see the access policy")
    decide(isla, "A.8.30", applicable=False, justification="=All development is in-house.")
    decide(isla, "A.7.4", status=ImplementationStatus.PLANNED, notes="Line one\nline two")
    before = ledger_count(soa)
    versions = dict(SoAEntry.objects.for_org(soa).values_list("control_id", "version"))
    report = import_soa(isla.ctx, export_xlsx(soa))
    assert report.ok, report.errors
    assert report.changed == []
    assert report.unchanged == 93
    assert ledger_count(soa) == before
    assert dict(SoAEntry.objects.for_org(soa).values_list("control_id", "version")) == versions


def test_it_applies_only_the_rows_that_change(soa, isla, colin):
    decide(isla, "A.5.1")
    rows = rows_of(export_xlsx(soa))[1:]
    for row in rows:
        if row[0] == "A.5.1":
            row[5] = "Partially implemented"  # a label is accepted as well as the value
            row[6] = "COLIN@acme.test"
    before = ledger_count(soa)
    report = import_soa(isla.ctx, sheet(rows))
    assert report.ok, report.errors
    assert report.changed == ["A.5.1"]
    assert ledger_count(soa) == before + 1
    entry = SoAEntry.objects.get(organization=soa, control_id="A.5.1")
    assert entry.status == ImplementationStatus.PARTIALLY_IMPLEMENTED
    assert entry.control_owner == colin.user
    assert entry.updated_by == isla.user


def test_it_reports_every_problem_of_a_hostile_sheet_and_changes_nothing(soa, isla, oscar):
    decide(isla, "A.5.1")
    decide(isla, "A.5.2")
    rows = [
        ["A.5.1", "", "", "yes", '=HYPERLINK("http://evil.test","click")', "implemented", "", ""],
        ["A.5.2", "", "", "yes", "+cmd|' /C calc'!A0", "implemented", "", ""],
        ["A.9.99", "", "", "yes", WHY, "implemented", "", ""],
        ["A.5.3", "", "", "yes", "", "implemented", "", ""],
        ["A.5.4", "", "", "maybe", WHY, "done", "", ""],
        ["A.5.4", "", "", "yes", WHY, "implemented", "", ""],
        ["A.5.5", "", "", "yes", WHY, "implemented", "oscar@globex.test", ""],
    ]
    data = sheet(rows)
    before = ledger_count(soa)
    versions = dict(SoAEntry.objects.for_org(soa).values_list("control_id", "version"))
    report = import_soa(isla.ctx, data)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (2, "justification"),
        (3, "justification"),
        (4, "control_id"),
        (5, "justification"),
        (6, "applicable"),
        (6, "implementation_status"),
        (7, "control_id"),
        (8, "control_owner"),
    }
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "formulas are not accepted" in messages[(2, "justification")]
    assert "'+'" in messages[(3, "justification")]
    assert "unknown control 'A.9.99'" in messages[(4, "control_id")]
    assert "required" in messages[(5, "justification")]
    assert "first on row 6" in messages[(7, "control_id")]
    assert "not a member" in messages[(8, "control_owner")]
    assert report.changed == []
    assert ledger_count(soa) == before
    assert dict(SoAEntry.objects.for_org(soa).values_list("control_id", "version")) == versions


def test_it_refuses_sheets_without_the_columns_or_not_xlsx(soa, isla):
    report = import_soa(isla.ctx, sheet([["A.5.1", "yes"]], header=["control_id", "applicable"]))
    missing = {e.column for e in report.errors if e.row == 1}
    assert missing == {"justification", "implementation_status", "control_owner", "notes"}
    report = import_soa(isla.ctx, b"control_id,applicable\nA.5.1,yes\n")
    assert [(e.row, e.column) for e in report.errors] == [(None, None)]
    assert "not an XLSX" in report.errors[0].message


def test_it_refuses_oversize_files_and_too_many_rows(soa, isla, monkeypatch):
    from annexa.isms.services import soa_io

    data = export_xlsx(soa)
    monkeypatch.setattr(soa_io, "MAX_IMPORT_BYTES", len(data) - 1)
    assert "larger than" in import_soa(isla.ctx, data).errors[0].message
    monkeypatch.setattr(soa_io, "MAX_IMPORT_BYTES", len(data))
    monkeypatch.setattr(soa_io, "MAX_IMPORT_ROWS", 50)
    assert "more than 50 data rows" in import_soa(isla.ctx, data).errors[0].message


def test_it_neutralises_dangerous_cells_in_both_exports(soa, isla):
    decide(isla, "A.5.1", justification='=HYPERLINK("http://evil.test")', notes="@SUM(A1)")
    xlsx_row = next(r for r in rows_of(export_xlsx(soa)) if r[0] == "A.5.1")
    assert xlsx_row[4] == '\'=HYPERLINK("http://evil.test")'
    assert xlsx_row[7] == "'@SUM(A1)"
    worksheet = load_workbook(io.BytesIO(export_xlsx(soa))).worksheets[0]
    assert {c.data_type for row in worksheet.iter_rows() for c in row if c.value} == {"s"}
    text = export_csv(soa).decode("utf-8-sig")
    csv_row = next(r for r in csv.reader(io.StringIO(text)) if r and r[0] == "A.5.1")
    assert csv_row[4] == '\'=HYPERLINK("http://evil.test")'
    assert csv_row[7] == "'@SUM(A1)"


def test_it_lets_only_isms_managers_import(soa, colin):
    with pytest.raises(PermissionDenied):
        import_soa(colin.ctx, export_xlsx(soa))
