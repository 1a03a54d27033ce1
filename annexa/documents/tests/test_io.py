"""The register imported from CSV or XLSX: all rows or none, every bad row listed."""

import io

from openpyxl import Workbook

from annexa.documents import io as document_io
from annexa.documents.models import Document
from annexa.ledger.models import LedgerEntry

HEADER = "reference,title,kind,owner,reviewers,clauses,controls,review_months,next_review\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_a_good_sheet_is_imported(db, catalog, isla, colin):
    report = document_io.import_register(
        isla.ctx,
        csv(
            ',Access control policy,policy,isla@acme.test,colin@acme.test,5.2,"A.5.15, A.8.5",12,',
            ",Backup procedure,Procedure,,,,A.8.13,6,2027-01-31",
        ),
        "register.csv",
    )
    assert report.ok, report.errors
    assert report.created == ["DOC-001", "DOC-002"]
    access = Document.objects.get(number=1)
    assert [u.email for u in access.reviewers.all()] == ["colin@acme.test"]
    assert sorted(c.id for c in access.controls.all()) == ["A.5.15", "A.8.5"]
    again = document_io.import_register(
        isla.ctx, csv("DOC-002,Backup procedure,procedure,,,,A.8.13,6,2027-01-31"), "r.csv"
    )
    assert again.ok and again.unchanged == 1


def test_one_bad_row_imports_nothing_and_every_problem_is_listed(db, catalog, isla):
    before = LedgerEntry.objects.count()
    report = document_io.import_register(
        isla.ctx,
        csv(
            ",Good policy,policy,,,,A.5.1,12,",
            ",Bad policy,leaflet,nobody@x.test,,,A.5.1,12,",
            "DOC-077,Unknown,policy,,,,,12,",
            ",Wrong control,policy,,,,A.99.9,99,31/01/2027",
            ",Good policy,policy,,,,,12,",
        ),
        "register.csv",
    )
    assert not report.ok
    described = [document_io.describe(e) for e in report.errors]
    assert any(d.startswith("row 3, column kind") for d in described)
    assert any(d.startswith("row 3, column owner") for d in described)
    assert any(d.startswith("row 4, column reference") for d in described)
    assert any(d.startswith("row 5, column next_review") for d in described)
    assert any(d.startswith("row 6, column title") and "row 2" in d for d in described)
    assert report.bad_rows == [3, 4, 5, 6]
    assert not Document.objects.exists()
    assert LedgerEntry.objects.count() == before


def test_service_refusals_roll_everything_back(db, catalog, isla):
    report = document_io.import_register(
        isla.ctx,
        csv(",Fine,policy,,,,A.5.1,12,", ",Wrong control,policy,,,,A.99.9,99,"),
        "register.csv",
    )
    assert {(e.row, e.column) for e in report.errors} == {(3, "controls"), (3, "review_months")}
    assert not Document.objects.exists() and report.created == []


def test_xlsx_and_unreadable_files(db, catalog, isla):
    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Kind", "Controls"])
    sheet.append(["Cryptography standard", "standard", "A.8.24"])
    data = io.BytesIO()
    book.save(data)
    assert document_io.import_register(isla.ctx, data.getvalue(), "r.xlsx").created == ["DOC-001"]
    missing = document_io.import_register(isla.ctx, b"title\nX\n", "r.csv")
    assert "'kind' is missing" in missing.errors[0].message
    empty = document_io.import_register(isla.ctx, b"", "r.csv")
    assert "empty" in empty.errors[0].message
