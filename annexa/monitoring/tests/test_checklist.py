"""Audit checklists show the automated results of their control in the audit's period."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from annexa.audits.models import Audit
from annexa.audits.services import checklist as checklist_service
from annexa.audits.services import checklist_io, checklist_rows
from annexa.audits.tests.fieldwork_fixtures import build_audit
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.monitoring import services
from annexa.monitoring.tests.test_services import lynis_report


@pytest.fixture
def item(acme, audrey, isla, catalog):
    """The A.8.15 (logging) item of an audit in fieldwork from two days ago to in two days."""
    audit = build_audit(acme, lead=audrey.user, members=[isla.user], controls=("A.8.15",))
    today = timezone.localdate()
    Audit.objects.filter(pk=audit.pk).update(
        planned_start=today - dt.timedelta(days=2), planned_end=today + dt.timedelta(days=2)
    )
    audit.refresh_from_db()
    checklist_service.generate(OrgContext.system(acme), audit)
    return audit.checklist_items.get(control_id="A.8.15")


@pytest.fixture
def results(isla, tmp_path):
    """A failing audit-daemon result from before the audit, a passing one within it."""
    old = evidence.store(
        isla.ctx,
        path=lynis_report(tmp_path, "old.dat", linux_auditd_running=0),
        filename="old.txt",
        collected_at=timezone.now() - dt.timedelta(days=10),
    )
    services.evaluate_version(isla.ctx, old, kind="lynis", stream="lynis:web1")
    return services.ingest(isla.ctx, lynis_report(tmp_path, "new.dat", linux_auditd_running=1))


def test_it_lists_the_results_in_the_audit_period(item, results):
    (row,) = checklist_rows.rows(item.audit, [item])
    daemon = [a for a in row.automated if a["test_id"] == "lynis_audit_daemon"]
    assert len(daemon) == 1  # the older, failing result lies before the audit
    entry = daemon[0]
    assert (entry["status"], entry["system"], entry["control"]) == ("pass", "lynis:web1", "A.8.15")
    version = results.item.version
    assert (entry["evidence_id"], entry["sha256"]) == (version.evidence_id, version.sha256)
    assert entry["observed_at"] == version.collected_at.isoformat() and entry["reason"]
    assert checklist_rows.automated_results(item) == row.automated
    assert all(a["control"] == "A.8.15" for a in row.automated)


def test_it_lists_the_scanner_rules_apart_from_the_tests(item, results, isla):
    """One entry per system for the tool's rules that test the control, from its latest file
    in the period, as the control status counts them."""
    from annexa.connectors.tests.samples import LYNIS, sample

    real = services.ingest(isla.ctx, sample(LYNIS))  # host "vm": its rules test A.8.15
    (row,) = checklist_rows.rows(item.audit, [item])
    rules = [a for a in row.automated if a["test_id"] == "lynis rules"]
    counts = services.control_counts(real.run)["A.8.15"]
    assert [(a["system"], a["run_id"]) for a in rules] == [("lynis:vm", real.run.pk)]
    expected = "fail" if counts["fail"] else "pass" if counts["pass"] else "error"
    assert rules[0]["status"] == expected
    assert f"{counts['pass']} passed, {counts['fail']} failed" in rules[0]["reason"]


def test_it_shows_them_on_the_checklist_item(item, results, audrey, client_for):
    url = reverse("audits:checklist-item", kwargs={"org": "acme", "pk": item.pk})
    html = client_for(audrey).get(url).content.decode()
    assert "lynis_audit_daemon" in html
    evidence_url = reverse(
        "evidence:detail", kwargs={"org": "acme", "pk": results.item.version.evidence_id}
    )
    assert evidence_url in html
    checklist = reverse("audits:checklist", kwargs={"org": "acme", "pk": item.audit_id})
    listed = client_for(audrey).get(checklist).content.decode()
    assert f"automated results: {len(checklist_rows.automated_results(item))}" in listed


def test_it_exports_them(item, results):
    workbook = load_workbook(io.BytesIO(checklist_io.export_xlsx(item.audit)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("automated_results")
    (row,) = [r for r in rows[1:] if r[rows[0].index("ref")] == "A.8.15"]
    assert "lynis_audit_daemon on lynis:web1: pass" in row[column]
    exported = json.loads(checklist_io.export_json(item.audit))
    (listed,) = [i["automated_results"] for i in exported["items"] if i["subject"] == "A.8.15"]
    assert any(a["test_id"] == "lynis_audit_daemon" for a in listed)


def test_an_audit_that_has_not_ended_runs_to_today_and_an_ended_one_stops(item, isla, tmp_path):
    Audit.objects.filter(pk=item.audit_id).update(
        planned_start=dt.date(2026, 1, 5), planned_end=dt.date(2026, 1, 9)
    )
    services.ingest(isla.ctx, lynis_report(tmp_path, "now.dat", linux_auditd_running=1))
    item = type(item).objects.select_related("audit").get(pk=item.pk)
    assert checklist_rows.automated_results(item)  # still open: its period reaches today
    Audit.objects.filter(pk=item.audit_id).update(actual_end=dt.date(2026, 1, 9))
    item = type(item).objects.select_related("audit").get(pk=item.pk)
    assert checklist_rows.automated_results(item) == []
