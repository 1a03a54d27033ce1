"""``annexa audit checklist…`` and ``annexa sample …`` on the command line."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from annexa.audits.models import ChecklistItem
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.cli.main import app


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_it_exports_json_to_stdout_and_xlsx_to_a_file(items, run, tmp_path):
    result = run("audit", "checklist", "IA-2026-01", "--org", "acme")
    assert result.exit_code == 0, result.stderr
    assert [i["subject"] for i in json.loads(result.stdout)["items"]] == ["7.2", "A.5.15", "A.8.5"]
    refused = run("audit", "checklist", "IA-2026-01", "--org", "acme", "--format", "xlsx")
    assert refused.exit_code == 2 and "-o FILE" in refused.stderr
    target = tmp_path / "checklist.xlsx"
    result = run(
        "audit", "checklist", "IA-2026-01", "--org", "acme", "--format", "xlsx", "-o", str(target)
    )
    assert result.exit_code == 0
    assert load_workbook(target).active["A1"].value == "item_id"
    missing = run("audit", "checklist", "IA-2099-09", "--org", "acme")
    assert missing.exit_code == 1 and "no audit" in missing.stderr


def test_it_imports_a_filled_sheet_as_a_team_member(items, run, tmp_path, audrey, alice):
    target = tmp_path / "checklist.xlsx"
    run("audit", "checklist", "IA-2026-01", "--org", "acme", "--format", "xlsx", "-o", str(target))
    workbook = load_workbook(target)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("result") + 1, value="conforming")
    sheet.cell(row=2, column=header.index("methods") + 1, value="interview")
    buffer = io.BytesIO()
    workbook.save(buffer)
    target.write_bytes(buffer.getvalue())
    args = ("audit", "checklist-import", str(target), "IA-2026-01", "--org", "acme")
    refused = run(*args, "--user", "alice@acme.test")  # an owner, but not on the team
    assert refused.exit_code == 1 and "audit team" in refused.stderr
    result = run(*args, "--user", audrey.user.email)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["changed"] == ["7.2"]
    assert ChecklistItem.objects.get(pk=items["7.2"].pk).result == "conforming"
    again = run(*args, "--user", audrey.user.email)  # the sheet's versions are now stale
    assert again.exit_code == 2 and "after your export" in again.stderr


def test_it_generates_from_the_command_line(fieldwork_audit, run):
    result = run("audit", "checklist-generate", "IA-2026-01", "--org", "acme")
    assert result.exit_code == 0 and json.loads(result.stdout) == ["7.2", "A.5.15", "A.8.5"]


def test_it_derives_a_sample_and_computes_sizes(run, tmp_path):
    population = tmp_path / "p.txt"
    population.write_text("".join(f"joiner-{n:03d}\n" for n in range(200)))
    args = ("sample", "derive", "--population", str(population), "--seed", "annexa-2026")
    result = run(*args, "--size", "3")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["116\tjoiner-116", "70\tjoiner-070", "91\tjoiner-091"]
    too_big = run(*args, "--size", "201")
    assert too_big.exit_code == 2 and "between 1 and the population" in too_big.stderr
    sized = run("sample", "size", "--confidence", "95", "--tolerable", "5", "--population", "200")
    assert json.loads(sized.stdout) == {"infinite": 59, "allowed_deviations": 0, "size": 46}
