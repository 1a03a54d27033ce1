"""The register and the inventory as spreadsheets: formula-safe exports, and imports that save
every row or none, naming each bad row."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from annexa.ledger.models import LedgerEntry
from annexa.risks import io as risk_io
from annexa.risks.models import Asset, Risk
from annexa.risks.services import assets, methodology, risks

HEADER = [
    "Reference",
    "Title",
    "Threat",
    "Assets",
    "Owner",
    "Inherent likelihood",
    "Inherent impact",
    "Treatment",
    "Controls",
    "Residual likelihood",
    "Residual impact",
    "Review date",
]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def ledger(org) -> int:
    methodology.current(org)  # the import would create (and record) the default one
    return LedgerEntry.objects.filter(organization=org).count()


GOOD = [
    [
        "",
        "Ransomware encrypts the file server",
        "Criminal group",
        "Production database",
        "colin@acme.test",
        4,
        5,
        "Mitigate",
        "A.8.13, a.8.7",
        2,
        3,
        "2027-02-01",
    ],
    ["", "Laptop stolen from a car", "", "", "ISLA@acme.test", "3", "3", "", "", "", "", ""],
]


@pytest.mark.parametrize("make", [xlsx, csv_bytes], ids=["xlsx", "csv"])
def test_a_good_register_is_imported_with_links_levels_and_ledger(make, server, isla, colin):
    before = ledger(isla.ctx.org)
    steps = []
    report = risk_io.import_risks(
        isla.ctx, make(GOOD), "register", progress=lambda *step: steps.append(step)
    )
    assert report.ok, report.errors
    assert report.created == ["R-0001", "R-0002"] and report.summary().startswith("2 created")
    ransomware = Risk.objects.get(number=1)
    assert ransomware.owner == colin.user
    assert [a.name for a in ransomware.assets.all()] == ["Production database"]
    assert sorted(c.id for c in ransomware.controls.all()) == ["A.8.13", "A.8.7"]
    assert (ransomware.inherent_score, ransomware.inherent_level) == (20, "very_high")
    assert (ransomware.residual_score, ransomware.residual_level) == (6, "medium")
    assert ransomware.treatment == "modify" and ransomware.status == "treatment_planned"
    assert str(ransomware.review_date) == "2027-02-01"
    laptop = Risk.objects.get(number=2)
    assert laptop.owner == isla.user and laptop.status == "assessed"
    assert laptop.review_date is not None  # derived from the methodology's review interval
    entries = LedgerEntry.objects.filter(organization=isla.ctx.org, object_type="risk")
    assert ledger(isla.ctx.org) == before + 2
    first = entries.get(object_id=str(ransomware.uid))
    assert first.data_value["source"] == "import"
    assert first.data_value["after"]["assets"] == ["AS-0001"]
    assert first.data_value["after"]["controls"] == ["A.8.13", "A.8.7"]
    assert steps[-1] == ("saving", 2, 2)


def test_bad_rows_import_nothing_and_each_is_named(server, isla, colin):
    rows = [
        GOOD[0],  # row 2 is fine
        ["", "", "", "", "colin@acme.test", 3, 3, "", "", "", "", ""],  # 3: no title
        ["", "Unknown owner", "", "", "nobody@else.test", 3, 3, "", "", "", "", ""],  # 4
        [
            "",
            "Bad asset",
            "",
            "Mainframe; Production database",
            "colin@acme.test",
            3,
            3,
            "",
            "",
            "",
            "",
            "",
        ],  # 5
        ["", "Bad control", "", "", "colin@acme.test", 3, 3, "modify", "A.99.1", "", "", ""],
        ["", "Off the scale", "", "", "colin@acme.test", 7, 3, "", "", "", "", ""],  # 7
        ["", "Worse after", "", "", "colin@acme.test", 2, 2, "retain", "", 3, 3, ""],  # 8
        ["", "Odd treatment", "", "", "colin@acme.test", 2, 2, "pray", "", "", "", ""],  # 9
        ["", "Bad date", "", "", "colin@acme.test", 2, 2, "", "", "", "", "31/12/2026"],  # 10
        ["", '=HYPERLINK("http://evil")', "", "", "colin@acme.test", 2, 2] + [""] * 5,  # 11
        ["R-0042", "Not there", "", "", "colin@acme.test", 2, 2, "", "", "", "", ""],  # 12
    ]
    before = ledger(isla.ctx.org)
    report = risk_io.import_risks(isla.ctx, xlsx(rows), "register.xlsx")
    assert not report.ok and report.created == []
    assert Risk.objects.count() == 0 and ledger(isla.ctx.org) == before
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "title"),
        (4, "owner"),
        (5, "assets"),
        (6, "controls"),
        (7, "inherent_likelihood"),
        (8, "residual_likelihood"),
        (9, "treatment"),
        (10, "review_date"),
        (11, "title"),
        (12, "reference"),
    }
    assert report.bad_rows == list(range(3, 13))
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "'Mainframe'" in messages[5, "assets"] and "inventory" in messages[5, "assets"]
    assert "nobody@else.test is not a member" in messages[4, "owner"]
    assert "A.99.1" in messages[6, "controls"]
    assert "formula" in messages[11, "title"]
    assert "YYYY-MM-DD" in messages[10, "review_date"]
    assert "10 problem(s) in 10 row(s)" in report.summary()


def test_a_file_that_is_not_a_register_is_refused_as_a_whole(isla):
    report = risk_io.import_risks(isla.ctx, b"\xff\xfe\x00garbage", "register.csv")
    assert not report.ok and report.errors[0].row is None
    assert "CSV UTF-8" in report.errors[0].message
    report = risk_io.import_risks(isla.ctx, csv_bytes([["x"]], header=["Name"]), "r.csv")
    assert {(e.row, e.column) for e in report.errors} == {(1, "title"), (1, "owner")}
    report = risk_io.import_risks(isla.ctx, b"PK\x03\x04 not a zip", "r.xlsx")
    assert "XLSX" in report.errors[0].message
    report = risk_io.import_risks(isla.ctx, csv_bytes([]), "r.csv")
    assert "no data rows" in report.errors[0].message


def accepted(phishing, colin, isla):
    risk = risks.update_risk(
        isla.ctx,
        phishing,
        {
            "title": "=cmd|' /C calc'!A0",
            "treatment": "modify",
            "controls": ["A.8.5"],
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    risks.add_action(
        colin.ctx,
        risk,
        {"title": "@SUM(1+1)", "owner": colin.user, "due_date": "2027-01-31", "control": "A.8.5"},
    )
    return risks.accept_residual(colin.ctx, risk)


def test_the_export_is_formula_safe_and_complete(phishing, colin, isla):
    accepted(phishing, colin, isla)
    book = load_workbook(io.BytesIO(risk_io.export_risks(isla.ctx.org, "xlsx")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert tuple(header) == risk_io.RISK_COLUMNS
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["title"] == "'=cmd|' /C calc'!A0" and sheet["B2"].data_type == "s"
    assert row["assets"] == "Production database" and row["owner"] == "colin@acme.test"
    assert (row["inherent_score"], row["inherent_level"]) == ("16", "High")
    assert (row["residual_score"], row["residual_level"]) == ("4", "Low")
    assert row["treatment"] == "Modify (apply controls)" and row["controls"] == "A.8.5"
    assert row["status"] == "Treatment planned" and row["accepted_by"] == "colin@acme.test"
    assert "methodology v1: residual score 4 (Low)" in row["acceptance"]
    assert row["treatment_actions"].startswith("RT-0001 @SUM(1+1) (Open, colin@acme.test")
    text = risk_io.export_risks(isla.ctx.org, "csv").decode("utf-8-sig")
    [line] = list(csv.DictReader(io.StringIO(text)))
    assert line["title"] == "'=cmd|' /C calc'!A0"
    assert all(not v.startswith(("=", "+", "-", "@")) for v in line.values())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_unchanged_export_imports_as_a_no_op(phishing, colin, isla, fmt):
    accepted(phishing, colin, isla)
    risks.create_risk(isla.ctx, {"title": "Flood", "owner": isla.user})
    before = ledger(isla.ctx.org)
    exported = risk_io.export_risks(isla.ctx.org, fmt)
    report = risk_io.import_risks(isla.ctx, exported, f"register.{fmt}")
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == ([], [], 2)
    assert ledger(isla.ctx.org) == before
    assert Risk.objects.get(number=1).is_accepted  # nothing withdrew the acceptance


def test_a_referenced_row_changes_only_what_differs(phishing, isla, colin):
    header = ["reference", "title", "owner", "inherent_impact"]
    rows = [["R-1", phishing.title, "colin@acme.test", 5]]
    report = risk_io.import_risks(isla.ctx, csv_bytes(rows, header), "r.csv")
    assert report.ok and report.updated == ["R-0001"], report.errors
    risk = Risk.objects.get(pk=phishing.pk)
    assert (risk.inherent_impact, risk.inherent_score, risk.version) == (5, 20, 2)
    entry = LedgerEntry.objects.filter(object_type="risk", action="update").get()
    assert entry.data_value["after"]["inherent_impact"] == 5
    assert entry.data_value["reason"] == risk_io.IMPORT_REASON
    risks.close_risk(isla.ctx, risk, "The admin consoles are gone.")
    report = risk_io.import_risks(isla.ctx, csv_bytes(rows, header), "r.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "reference")]
    assert "closed" in report.errors[0].message
    twice = csv_bytes([["R-1", "a", "colin@acme.test", 1], ["R-0001", "b", "", 2]], header)
    report = risk_io.import_risks(isla.ctx, twice, "r.csv")
    assert (3, "reference") in {(e.row, e.column) for e in report.errors}


def test_only_managers_import(colin):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        risk_io.import_risks(colin.ctx, csv_bytes(GOOD), "r.csv")


def test_a_large_register_is_saved_in_one_go_with_progress(server, isla):
    rows = [
        [
            "",
            f"Risk {n}",
            "",
            "Production database",
            "isla@acme.test",
            1 + n % 5,
            2,
            "",
            "",
            "",
            "",
            "",
        ]
        for n in range(600)
    ]
    steps = []
    report = risk_io.import_risks(
        isla.ctx, csv_bytes(rows), "big.csv", progress=lambda *s: steps.append(s)
    )
    assert report.ok and len(report.created) == 600
    assert report.created[-1] == "R-0600"
    assert ("checking", 600, 600) in steps and steps[-1] == ("saving", 600, 600)
    assert Risk.assets.through.objects.count() == 600


# --- the asset inventory -------------------------------------------------------------------

ASSET_HEADER = ["Name", "Kind", "Owner", "Classification", "Confidentiality", "Retired"]


def test_the_inventory_imports_new_and_changed_assets(server, isla, colin):
    rows = [
        ["Production database", "system", "colin@acme.test", "Restricted", 5, "no"],
        ["Payroll export", "Information", "", "confidential", 4, ""],
        ["HQ office", "location", "isla@acme.test", "", "", "yes"],
    ]
    report = assets.classifications(isla.ctx.org) and risk_io.import_assets(
        isla.ctx, xlsx(rows, ASSET_HEADER), "inventory.xlsx"
    )
    assert report.ok, report.errors
    assert report.updated == ["AS-0001"] and report.created == ["AS-0002", "AS-0003"]
    database = Asset.objects.get(number=1)
    assert database.owner == colin.user and database.classification.name == "Restricted"
    payroll = Asset.objects.get(number=2)
    assert (payroll.kind, payroll.classification.name, payroll.value_c) == (
        "information",
        "Confidential",
        4,
    )
    assert payroll.source == "import" and payroll.value_i == 3
    assert Asset.objects.get(number=3).retired
    before = ledger(isla.ctx.org)
    again = risk_io.import_assets(isla.ctx, risk_io.export_assets(isla.ctx.org, "csv"), "a.csv")
    assert again.ok and (again.created, again.updated, again.unchanged) == ([], [], 3)
    assert ledger(isla.ctx.org) == before


def test_bad_inventory_rows_import_nothing(server, isla):
    rows = [
        ["Payroll export", "information", "", "", 4, ""],  # 2: fine
        ["Payroll export", "information", "", "", 4, ""],  # 3: twice in the file
        ["Car", "vehicle", "", "", "", ""],  # 4
        ["Fax", "system", "who@else.test", "Secret", 9, "maybe"],  # 5
        ["", "system", "", "", "", ""],  # 6
    ]
    report = risk_io.import_assets(isla.ctx, csv_bytes(rows, ASSET_HEADER), "a.csv")
    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "name"),
        (4, "kind"),
        (5, "owner"),
        (5, "classification"),
        (5, "confidentiality"),
        (5, "retired"),
        (6, "name"),
    }
    assert Asset.objects.count() == 1
