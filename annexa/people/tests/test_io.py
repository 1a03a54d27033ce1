"""The HR import (all or nothing, every bad row listed, 10,000 rows in bulk) and the export."""

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annexa.core import spreadsheets
from annexa.ledger.models import LedgerEntry
from annexa.people import io as people_io
from annexa.people.models import Person, TrainingCompletion

HEADER = (
    "Employee ID,Name,E-mail,Department,Job title,Manager,Start date,End date,Screened on,"
    "Terms signed on,Training course,Training completed on,Salary\r\n"
)


def hr_file(count: int) -> bytes:
    """``count`` people: E00001 leads, everyone else reports to the one ten before them."""
    lines = [HEADER]
    for n in range(1, count + 1):
        manager = f"E{n - 10:05d}" if n > 10 else ("" if n == 1 else "E00001")
        lines.append(
            f"E{n:05d},Person {n},p{n}@kestrel.test,Dept {n % 7},Analyst,{manager},"
            f"2024-01-{n % 28 + 1:02d},,2023-12-01,2023-12-15,Security awareness,2024-02-01,"
            f"{n * 100}\r\n"
        )
    return "".join(lines).encode("utf-8")


def test_an_hr_export_imports_with_managers_trainings_and_ignored_columns(isla):
    stages = []
    report = people_io.import_people(
        isla.ctx, hr_file(30), "hr.csv", progress=lambda s, d, t: stages.append((s, d, t))
    )
    assert report.ok, report.errors
    assert (report.created, report.updated, report.trainings) == (30, 0, 30)
    assert report.ignored == ["salary"]
    p25 = Person.objects.get(employee_id="E00025")
    assert p25.manager.employee_id == "E00015"
    assert p25.start_date == dt.date(2024, 1, 26) and p25.screened_on == dt.date(2023, 12, 1)
    assert p25.trainings.get().course == "Security awareness"
    assert ("checking", 30, 30) in stages and stages[-1][0] == "saving"
    # The same file again changes nothing.
    again = people_io.import_people(isla.ctx, hr_file(30), "hr.csv")
    assert (again.created, again.updated, again.unchanged, again.trainings) == (0, 0, 30, 0)


def test_a_file_with_bad_rows_stores_nothing_and_lists_each(isla):
    good = hr_file(5).decode()
    bad = (
        good
        + "E00006,,x6@kestrel.test,,,,,,,,,,\r\n"  # no name
        + "E00007,Seven,not-an-address,,,,2024-13-01,,,,,,\r\n"  # bad address and date
        + "E00001,Dup,dup@kestrel.test,,,,,,,,,,\r\n"  # employee id twice
        + "E00009,Nine,p9@kestrel.test,,,E99999,03/04/2024,,,,,,\r\n"  # manager, date
        + "E00010,Ten,p10@kestrel.test,,,,2024-05-01,2024-04-01,,,Course A;Course B,2024-01-01,\r\n"
        + "E00011,=cmd(),p11@kestrel.test,,,,,,,,,,\r\n"
    )
    before = LedgerEntry.objects.count()
    report = people_io.import_people(isla.ctx, bad.encode(), "hr.csv")
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (7, "name"),
        (8, "email"),
        (8, "start_date"),
        (9, "employee_id"),
        (10, "manager"),
        (10, "start_date"),
        (11, "end_date"),
        (11, "training_completed_on"),
        (12, "name"),
    }
    assert report.bad_rows == [7, 8, 9, 10, 11, 12]
    assert "row 2" in next(e.message for e in report.errors if e.row == 9)
    assert "YYYY-MM-DD" in next(
        e.message for e in report.errors if e.row == 10 and e.column == "start_date"
    )
    assert "nothing was imported" in report.summary()
    assert Person.objects.count() == 0 and TrainingCompletion.objects.count() == 0
    assert LedgerEntry.objects.count() == before


def test_the_header_must_name_a_key_and_the_name(isla):
    report = people_io.import_people(isla.ctx, b"Department,Job title\r\nOps,Lead\r\n", "x.csv")
    assert {e.column for e in report.errors} == {"name", "employee_id"}


def test_an_unreadable_file_is_one_problem(isla):
    report = people_io.import_people(isla.ctx, b"PK\x03\x04garbage", "x.xlsx")
    assert len(report.errors) == 1 and report.errors[0].row is None


def test_ten_thousand_rows_in_one_transaction_with_queries_not_growing_per_row(isla):
    with CaptureQueriesContext(connection) as small:
        assert people_io.import_people(isla.ctx, hr_file(100), "small.csv").ok
    Person.objects.all().delete()
    TrainingCompletion.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        report = people_io.import_people(isla.ctx, hr_file(10_000), "large.csv")
    assert report.ok, report.errors[:5]
    assert (report.created, report.trainings) == (10_000, 10_000)
    assert Person.objects.filter(manager__isnull=False).count() == 9_999
    # Written in batches (SQLite takes a few dozen rows per INSERT, PostgreSQL a thousand):
    # far fewer than one query per row, and the small file needs only a few dozen.
    assert len(small.captured_queries) < 60
    assert len(large.captured_queries) < 10_000 / 10


def test_export_round_trips_as_xlsx(isla):
    assert people_io.import_people(isla.ctx, hr_file(12), "hr.csv").ok
    data = people_io.export_people(isla.ctx.org, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header == list(people_io.COLUMNS)
    rows = [
        {h: c.value for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)
    ]
    row = next(r for r in rows if r["employee_id"] == "E00012")
    assert row["manager"] == "p2@kestrel.test" and row["training_course"] == "Security awareness"
    again = people_io.import_people(isla.ctx, data, "people.xlsx")
    assert again.ok and again.unchanged == 12 and again.updated == 0
    csv_data = people_io.export_people(isla.ctx.org, "csv")
    assert csv_data.startswith("\ufeff".encode()) and b"Imported (HR export)" in csv_data


def test_formula_text_is_neutralised_in_the_export(isla):
    from annexa.people.services.people import create_person

    create_person(isla.ctx, {"name": "=HYPERLINK(1)", "employee_id": "X1"})
    data = people_io.export_people(isla.ctx.org, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in data
    assert spreadsheets.is_dangerous("=HYPERLINK(1)")


def test_viewers_cannot_import(vera):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        people_io.import_people(vera.ctx, hr_file(2), "hr.csv")
