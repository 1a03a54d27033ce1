"""``annexa programme …`` and ``annexa audit list|show``."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from annexa.audits.models import AuditProgramme
from annexa.cli.main import app
from annexa.isms import services as isms_services


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def soa(acme, catalog, isla, colin):
    isms_services.ensure_soa(acme)
    for control_id in ("A.8.5", "A.5.15"):
        isms_services.update_soa_entry(
            isla.ctx,
            control_id,
            {"applicable": True, "justification": "Needed.", "control_owner": colin.user},
        )
    return acme


def test_it_plans_a_programme_and_prints_audits_and_coverage(soa, run):
    result = run("programme", "plan", "--org", "acme", "--start", "2026-01-05", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["audits"]) == 5
    assert report["coverage"]["summary"]["gaps"] == 0
    assert report["coverage"]["summary"]["controls"] == 2
    programme = AuditProgramme.objects.get(uid=report["programme"])
    assert programme.status == "draft" and programme.audits.count() == 5
    table = run("programme", "plan", "--org", "acme", "--start", "2029-01-05")
    assert table.exit_code == 0 and "IA-2029-01" in table.stdout
    assert "Coverage:" in table.stderr


def test_it_refuses_bad_input_with_a_message(soa, run):
    bad_date = run("programme", "plan", "--org", "acme", "--start", "next monday")
    assert bad_date.exit_code == 2 and "--start" in bad_date.stderr
    assert run("programme", "plan", "--org", "nowhere", "--start", "2026-01-05").exit_code == 1
    missing = run("audit", "show", "IA-1999-01", "--org", "acme")
    assert missing.exit_code == 1 and "no audit" in missing.stderr


def test_it_lists_and_shows_audits(soa, run):
    run("programme", "plan", "--org", "acme", "--start", "2026-01-05", "--format", "json")
    listed = json.loads(run("audit", "list", "--org", "acme", "--format", "json").stdout)
    assert [a["reference"] for a in listed][:2] == ["IA-2026-01", "IA-2026-02"]
    shown = run("audit", "show", "IA-2026-01", "--org", "acme", "--format", "json")
    data = json.loads(shown.stdout)
    assert data["reference"] == "IA-2026-01" and data["status"] == "planned"
    assert all(data["scope_reasons"][i] for i in data["controls"] + data["requirements"])
    by_uid = run("audit", "show", data["uid"], "--org", "acme")
    assert json.loads(by_uid.stdout)["reference"] == "IA-2026-01"
    assert "IA-2026-01" in run("audit", "list", "--org", "acme").stdout


def test_it_exports_ics_and_xlsx(soa, run, tmp_path):
    plan = run("programme", "plan", "--org", "acme", "--start", "2026-01-05", "--format", "json")
    uid = json.loads(plan.stdout)["programme"]
    ics = tmp_path / "programme.ics"
    result = run("programme", "export", uid, "--org", "acme", "--format", "ics", "-o", str(ics))
    assert result.exit_code == 0, result.stderr
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    xlsx = tmp_path / "programme.xlsx"
    run("programme", "export", uid, "--org", "acme", "--format", "xlsx", "-o", str(xlsx))
    rows = list(load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) == 6 and rows[1][0] == "IA-2026-01"
    wrong = run("programme", "export", "nope", "--org", "acme", "--format", "ics", "-o", "-")
    assert wrong.exit_code == 1 and "no programme" in wrong.stderr
    assert (
        run("programme", "export", uid, "--org", "acme", "--format", "pdf", "-o", "-").exit_code
        == 2
    )
    listed = json.loads(run("programme", "list", "--org", "acme", "--format", "json").stdout)
    assert listed[0]["uid"] == uid
