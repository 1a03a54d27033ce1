"""Importing an account list: 10,000 rows in one transaction, all or nothing, every bad row
listed, the open campaign refreshed."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from annexa.access import io as access_io
from annexa.access import services
from annexa.access.tests.conftest import SYSTEM
from annexa.ledger.models import LedgerEntry
from annexa.people.models import Account

pytestmark = pytest.mark.django_db

HEADER = "Account,E-Mail,Display Name,Person,Role,Privileged,Enabled,Last Login\n"


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def test_it_imports_ten_thousand_rows_in_one_go(isla, staff):
    rows = [
        f"user{n:05d},user{n:05d}@acme.test,User {n},,reader;writer,"
        f"{'yes' if n % 100 == 0 else 'no'},yes,2026-0{1 + n % 9}-1{n % 10}"
        for n in range(10_000)
    ]
    calls = []
    with CaptureQueriesContext(connection) as queries:
        report = access_io.import_accounts(
            isla.ctx,
            _csv(rows),
            "payroll.csv",
            system=SYSTEM,
            progress=lambda stage, done, total: calls.append((stage, done, total)),
        )
    assert report.ok, report.errors[:3]
    assert report.accounts == report.created == 10_000 and report.unmatched == 10_000
    assert Account.objects.filter(system=SYSTEM).count() == 10_000
    assert Account.objects.filter(system=SYSTEM, privileged=True).count() == 100
    account = Account.objects.get(system=SYSTEM, username="user00007")
    assert account.entitlements == ["reader", "writer"] and account.last_login.day == 17
    assert ("checking", 10_000, 10_000) in calls and calls[-1] == ("saving", 10_000, 10_000)
    # Bulk: batches of rows (SQLite's bound on a statement's variables keeps them small), far
    # from one statement per row.
    assert len(queries) < 500
    assert LedgerEntry.objects.filter(object_type="account_list").count() == 1


def test_a_bad_file_imports_nothing_and_lists_every_bad_row(isla, staff):
    rows = [
        "good,good@acme.test,Good,,reader,no,yes,",
        ",nobody@acme.test,No name,,reader,no,yes,",
        "dup,,Dup,,reader,maybe,yes,",
        "dup,,Dup again,,reader,no,yes,yesterday",
        "ghost,,Ghost,ghost@elsewhere.test,reader,no,perhaps,",
        "=cmd|' /C calc'!A0,,Formula,,reader,no,yes,",
    ]
    report = access_io.import_accounts(isla.ctx, _csv(rows), "bad.csv", system=SYSTEM)
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "account"),
        (4, "privileged"),
        (5, "account"),
        (5, "last_login"),
        (6, "person"),
        (6, "enabled"),
        (7, "account"),
    }
    assert report.bad_rows == [3, 4, 5, 6, 7]
    assert "listed already in row 4" in next(e.message for e in report.errors if e.row == 5)
    assert "nothing was imported" in report.summary()
    assert not Account.objects.filter(system=SYSTEM).exists()
    assert not LedgerEntry.objects.filter(object_type="account_list").exists()


def test_it_needs_an_account_column_and_reads_xlsx(isla, staff):
    report = access_io.import_accounts(
        isla.ctx, b"Email,Role\nx@acme.test,reader\n", "x.csv", system=SYSTEM
    )
    assert [(e.row, e.column) for e in report.errors] == [(1, "account")]
    book = Workbook()
    sheet = book.active
    sheet.append(["USERNAME", "Mail", "Person", "Admin"])
    sheet.append(["pat", "pat@acme.test", "pat@acme.test", "Yes"])
    sheet.append(["svc-backup", "", "", "no"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = access_io.import_accounts(isla.ctx, buffer.getvalue(), "list.xlsx", system=SYSTEM)
    assert report.ok, report.errors
    pat = Account.objects.get(system=SYSTEM, username="pat")
    assert pat.privileged and pat.person == staff["pat"]
    assert Account.objects.get(username="svc-backup").person is None


def test_it_refreshes_the_open_campaign(review, isla):
    rows = [
        "pat,pat@acme.test,Pat,,clerk,no,yes,",
        "colin,colin@acme.test,Colin,,user,no,yes,",
        "newbie,,New,,clerk,no,yes,",
    ]
    report = access_io.import_accounts(isla.ctx, _csv(rows), "payroll.csv", system=SYSTEM)
    assert report.ok and report.review == review.reference
    assert report.items["added"] == 1 and report.items["dropped"] == 2
    assert set(review.items.values_list("username", flat=True)) == {"colin", "newbie", "pat"}
    assert "AR-001: 1 accounts added, 2 dropped" in report.summary()


def test_it_refuses_a_closed_or_other_campaign(review, isla):
    review.status = "closed"
    review.save()
    report = access_io.import_accounts(
        isla.ctx, _csv(["pat,,,,,,,"]), "p.csv", system=SYSTEM, review=review
    )
    assert "is closed" in report.errors[0].message
    assert services.progress(review)["accounts"] == 4
