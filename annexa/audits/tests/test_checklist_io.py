"""The checklist out (XLSX, CSV, JSON, PDF) and a filled XLSX sheet back in, all or nothing."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from annexa.audits.models import ChecklistItem
from annexa.audits.services import checklist_io, fieldwork
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import actions, store_text, xlsx_bytes
from annexa.core.pdf import PDFError


def sheet_rows(data: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        [c if c is not None else "" for c in row]
        for row in workbook.active.iter_rows(values_only=True)
    ]


def fill(data: bytes, changes: dict[str, dict[str, str]]) -> bytes:
    """The exported workbook with cells changed: {subject: {column: value}}."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        subject = row[header.index("ref")].value
        for column, value in changes.get(subject, {}).items():
            row[header.index(column)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_exports_the_checklist_columns_to_xlsx(items, fieldwork_audit):
    rows = sheet_rows(checklist_io.export_xlsx(fieldwork_audit))
    assert rows[0] == list(checklist_io.COLUMNS)
    assert [r[1] for r in rows[1:]] == ["7.2", "A.5.15", "A.8.5"]
    first = dict(zip(rows[0], rows[2], strict=True))
    assert first["item_id"] == str(items["A.5.15"].uid)
    assert first["expected_documents"] == "Access control policy\nAccess request tickets"
    assert first["version"] == "1"


def test_it_round_trips_a_filled_sheet(items, fieldwork_audit, audrey, colin):
    exported = checklist_io.export_xlsx(fieldwork_audit)
    filled = fill(
        exported,
        {
            "A.5.15": {
                "result": "Conforming",
                "methods": "Document review; interview",
                "examined": "=SUM(A1)",  # text, never a formula: written neutralised below
                "auditees": f"{colin.user.email}; Dana (HR lead)",
                "notes": "All tickets approved.",
            },
            "7.2": {"result": "not_audited", "notes": "HR unavailable this week."},
        },
    )
    # A person typing "=SUM(A1)" in Excel gets a formula; our neutralised form is "'=SUM(A1)".
    filled = fill(filled, {"A.5.15": {"examined": "'=SUM(A1) is how totals are made"}})
    report = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, filled)
    assert report.ok, report.errors
    assert sorted(report.changed) == ["7.2", "A.5.15"] and report.unchanged == 1
    item = ChecklistItem.objects.get(pk=items["A.5.15"].pk)
    assert item.result == "conforming"
    assert item.methods == ["document_review", "interview"]
    assert item.examined == "=SUM(A1) is how totals are made"
    assert [u.email for u in item.auditees.all()] == [colin.user.email]
    assert item.auditees_other == "Dana (HR lead)"
    assert actions(fieldwork_audit.organization, "checklist_item") == ["record", "record"]
    again = checklist_io.import_checklist(
        audrey.ctx, fieldwork_audit, checklist_io.export_xlsx(fieldwork_audit)
    )
    assert again.ok and again.changed == [] and again.unchanged == 3


def test_it_changes_nothing_when_a_row_is_bad(items, fieldwork_audit, audrey, isla):
    exported = checklist_io.export_xlsx(fieldwork_audit)
    fieldwork.save_fieldwork(isla.ctx, items["A.8.5"], {"notes": "Isla"}, expected_version=1)
    filled = fill(
        exported,
        {
            "7.2": {"result": "excellent"},
            "A.5.15": {"result": "conforming", "methods": "guessing"},
            "A.8.5": {"result": "conforming", "methods": "interview"},
        },
    )
    report = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, filled)
    assert not report.ok and report.changed == []
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(2, "result"), (3, "methods"), (4, "version")}
    stale = next(e for e in report.errors if e.column == "version")
    assert "Isla Manager saved this item at" in stale.message
    assert {i.result for i in ChecklistItem.objects.filter(audit=fieldwork_audit)} == {""}


def test_it_reports_unknown_items_duplicates_formulas_and_missing_columns(
    items, fieldwork_audit, audrey
):
    uid = str(items["7.2"].uid)
    header = ["item_id", "version", "result", "notes"]
    rows = [
        header,
        ["00000000-0000-0000-0000-000000000000", "1", "", ""],
        ["not-an-id", "1", "", ""],
        [uid, "1", "", '=HYPERLINK("http://evil")'],
        [uid, "1", "", ""],
    ]
    report = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, xlsx_bytes(rows))
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "not on this audit's checklist" in messages[(2, "item_id")]
    assert "is not an item id" in messages[(3, "item_id")]
    assert "formulas are not accepted" in messages[(4, "notes")]
    assert "appears twice" in messages[(5, "item_id")]
    missing = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, xlsx_bytes([["result"]]))
    assert {e.column for e in missing.errors} == {"item_id", "version"}
    junk = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, b"not a workbook")
    assert junk.errors[0].row is None and "not an XLSX workbook" in junk.errors[0].message


def test_it_applies_the_nonconformity_rules_to_imported_rows(items, fieldwork_audit, audrey):
    exported = checklist_io.export_xlsx(fieldwork_audit)
    filled = fill(exported, {"A.8.5": {"result": "major_nc", "methods": "interview"}})
    report = checklist_io.import_checklist(audrey.ctx, fieldwork_audit, filled)
    columns = {e.column for e in report.errors}
    assert columns == {"examined", "verification", "result"}  # evidence is reported on result


def test_it_refuses_items_of_another_audit(items, fieldwork_audit, audrey, acme):
    from annexa.audits.tests.fieldwork_fixtures import build_audit

    other = build_audit(acme, lead=audrey.user, reference="IA-2026-02")
    report = checklist_io.import_checklist(
        audrey.ctx, other, checklist_io.export_xlsx(fieldwork_audit)
    )
    assert len(report.errors) == 3 and all(e.column == "item_id" for e in report.errors)


def test_it_exports_csv_and_json(items, fieldwork_audit, audrey):
    version = store_text(audrey.ctx, "proof", controls=["A.8.5"])
    fieldwork.save_fieldwork(audrey.ctx, items["A.8.5"], {"evidence": [version]})
    csv_text = checklist_io.export_csv(fieldwork_audit).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("item_id,ref,title,question")
    data = json.loads(checklist_io.export_json(fieldwork_audit))
    item = next(i for i in data["items"] if i["subject"] == "A.8.5")
    assert item["linked_evidence"][0]["sha256"] == version.sha256
    assert item["evidence_on_file"][0]["freshness"] == "no_expiry"
    assert item["version"] == 2 and item["automated_results"] == []


def test_it_prints_a_pdf_without_fetching_anything(items, fieldwork_audit, audrey, caplog):
    notes = "![pixel](http://198.51.100.7/p.png) [x](file:///etc/passwd)"
    fieldwork.save_fieldwork(audrey.ctx, items["A.8.5"], {"notes": notes})
    caplog.set_level(logging.WARNING, logger="annexa.core.pdf")
    pdf = checklist_io.export_pdf(fieldwork_audit)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    # The worker reports every URL the document asked for and was refused: none, because the
    # stylesheet is inline and Markdown images are off.
    assert not [r for r in caplog.records if "refused URL" in r.getMessage()]


def test_it_refuses_every_url_while_printing():
    from annexa.core.pdf_fetcher import AssetFetcher, RefusedURL
    from annexa.core.pdf_worker import write_pdf

    fetcher = AssetFetcher()
    for url in ("file:///etc/passwd", "http://198.51.100.7/p.png", "data:text/css,x"):
        with pytest.raises(RefusedURL, match="only load its own assets"):
            fetcher.fetch(url)
    html = '<img src="http://198.51.100.7/p.png"><link rel="stylesheet" href="file:///etc/x">'
    assert write_pdf(html, AssetFetcher()).startswith(b"%PDF")


def test_a_checklist_pdf_over_the_time_limit_is_stopped_with_503(
    items, fieldwork_audit, client_for, audrey, settings
):
    """The checklist PDF runs in the report's time-limited worker (ANNEXA_REPORT_PDF_SECONDS):
    over the limit, the page and the API answer 503 saying so, instead of holding the worker."""
    settings.REPORT_PDF_SECONDS = 0.01
    with pytest.raises(PDFError, match=r"longer than 0\.01 seconds"):
        checklist_io.export_pdf(fieldwork_audit)
    client = client_for(audrey)
    kwargs = {"org": "acme", "pk": fieldwork_audit.pk}
    page = client.get(reverse("audits:checklist-pdf", kwargs=kwargs))
    assert page.status_code == 503 and b"ANNEXA_REPORT_PDF_SECONDS" in page.content
    api = client.get(reverse("audits-api:checklist-pdf", kwargs=kwargs))
    assert api.status_code == 503 and "ANNEXA_REPORT_PDF_SECONDS" in api.json()["detail"]


def test_checklist_downloads_are_logged_as_security_events(
    items, fieldwork_audit, client_for, audrey, caplog
):
    caplog.set_level(logging.INFO, logger="annexa.security")
    kwargs = {"org": "acme", "pk": fieldwork_audit.pk}
    client = client_for(audrey)
    assert client.get(reverse("audits:checklist-xlsx", kwargs=kwargs)).status_code == 200
    assert client.get(reverse("audits-api:checklist-json", kwargs=kwargs)).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "annexa.security"]
    assert [line.split(" format=")[1] for line in lines] == ["xlsx", "json"]
    reference = fieldwork_audit.reference
    expected = f"export of the checklist of {reference} from acme by audrey@acme.test"
    assert all(expected in line for line in lines)
