"""``annexa people list|import|export|checks``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.evidence.models import Evidence
from annexa.ledger.models import LedgerEntry
from annexa.people.models import Person
from annexa.people.services import people
from annexa.people.tests.test_io import hr_file


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_import_then_list_as_json_and_table(run, acme, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(hr_file(25))
    result = run("people", "import", str(path), "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 25
    assert "salary" in result.stderr
    listed = run("people", "list", "--org", "acme", "--format", "json", "-q", "E00012")
    rows = json.loads(listed.stdout)
    assert [r["name"] for r in rows] == ["Person 12"] and rows[0]["manager"] == "p2@kestrel.test"
    table = run("people", "list", "--org", "acme", "--department", "dept 3")
    assert table.exit_code == 0 and "Person 3" in table.stdout
    bad = run("people", "list", "--org", "acme", "--status", "retired")
    assert bad.exit_code == 2 and "--status" in bad.stderr


def test_a_file_with_bad_rows_exits_2_with_every_row_on_stderr(run, acme, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(
        hr_file(3)
        + b"E7,,a@kestrel.test,,,,,,,,,,\r\n"
        + b"E8,Eight,b@kestrel.test,,,ghost,2026-31-01,,,,,,\r\n"
    )
    before = LedgerEntry.objects.count()
    result = run("people", "import", str(path), "--org", "acme")
    assert result.exit_code == 2
    assert "row 5, column name" in result.stderr
    assert "row 6, column manager" in result.stderr
    assert "row 6, column start_date" in result.stderr
    assert "nothing was imported" in result.stderr
    assert not Person.objects.exists() and LedgerEntry.objects.count() == before


def test_export_to_a_file_and_stdout(run, isla, tmp_path):
    people.create_person(isla.ctx, {"name": "Ada", "employee_id": "E1"})
    target = tmp_path / "people.xlsx"
    assert run("people", "export", "--org", "acme", "-o", str(target)).exit_code == 0
    assert target.read_bytes().startswith(b"PK")
    result = run("people", "export", "--org", "acme", "-o", "-", "--format", "csv")
    assert "Ada" in result.stdout
    assert run("people", "export", "--org", "acme", "-o", "x.pdf", "--format", "pdf").exit_code == 2


def test_checks_and_saving_a_population(run, isla, catalog):
    start = dt.date.today() - dt.timedelta(days=20)
    people.create_person(isla.ctx, {"name": "Nia", "employee_id": "N1", "start_date": start})
    result = run("people", "checks", "--org", "acme", "--format", "json")
    data = json.loads(result.stdout)
    assert data["joiners"][0]["gaps"] == ["screening", "terms"] and data["leavers"] == []
    table = run("people", "checks", "--org", "acme")
    assert "GAP: missing" in table.stdout
    saved = run("people", "checks", "--org", "acme", "--save", "joiners")
    assert saved.exit_code == 0, saved.stderr
    assert json.loads(saved.stdout)["filename"].startswith("joiners-acme-")
    assert Evidence.objects.count() == 1
    empty = run("people", "checks", "--org", "acme", "--save", "leavers")
    assert empty.exit_code == 2 and "no leavers" in empty.stderr
    assert run("people", "checks", "--org", "acme", "--save", "others").exit_code == 2
