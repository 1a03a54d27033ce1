"""``annexa risks list|export|import`` and ``annexa assets list|export|import``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger.models import LedgerEntry
from annexa.risks.models import Asset, Risk
from annexa.risks.services import methodology, risks


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_risks_list_as_json_and_table_with_filters(run, phishing, isla):
    risks.create_risk(isla.ctx, {"title": "Flood", "owner": isla.user})
    result = run("risks", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["reference"] for r in rows] == ["R-0001", "R-0002"]
    assert rows[0]["inherent"] == "High" and rows[0]["assets"] == ["AS-0001"]
    high = run("risks", "list", "--org", "acme", "--level", "high", "--format", "json")
    assert [r["reference"] for r in json.loads(high.stdout)] == ["R-0001"]
    above = run("risks", "list", "--org", "acme", "--above", "--format", "json")
    assert [r["reference"] for r in json.loads(above.stdout)] == ["R-0001"]
    table = run("risks", "list", "--org", "acme", "--owner", "isla@acme.test")
    assert table.exit_code == 0 and "R-0002" in table.stdout and "R-0001" not in table.stdout
    bad = run("risks", "list", "--org", "acme", "--status", "finished", "--likelihood", "x")
    assert bad.exit_code == 2 and "--status" in bad.stderr and "--likelihood" in bad.stderr
    assert run("risks", "list", "--org", "nowhere").exit_code == 1


def test_a_register_with_bad_rows_exits_2_and_imports_nothing(run, server, isla, tmp_path):
    methodology.current(isla.ctx.org)
    before = LedgerEntry.objects.count()
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "title,owner,assets,controls,inherent_likelihood\n"
        "Ransomware,isla@acme.test,Production database,A.8.13,4\n"
        "Stolen laptop,nobody@acme.test,Laptops,,3\n"
        ",isla@acme.test,,A.99.9,6\n",
        encoding="utf-8",
    )
    result = run("risks", "import", str(sheet), "--org", "acme")
    assert result.exit_code == 2
    for expected in (
        "row 3, column owner",
        "row 3, column assets",
        "row 4, column title",
        "row 4, column controls",
        "row 4, column inherent_likelihood",
    ):
        assert expected in result.stderr, result.stderr
    assert "row 2" not in result.stderr
    assert "nothing was imported" in result.stderr
    assert not Risk.objects.exists() and LedgerEntry.objects.count() == before


def test_a_good_register_imports_as_a_member_and_exports(run, server, isla, tmp_path):
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "title,owner,assets,controls,inherent_likelihood,inherent_impact\n"
        'Ransomware,isla@acme.test,Production database,"A.8.13, A.8.7",4,5\n',
        encoding="utf-8",
    )
    result = run("risks", "import", str(sheet), "--org", "acme", "--user", "isla@acme.test")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"created": ["R-0001"], "updated": [], "unchanged": 0}
    entry = LedgerEntry.objects.filter(object_type="risk").get()
    assert entry.actor == "isla@acme.test"
    target = tmp_path / "out.xlsx"
    exported = run("risks", "export", "--org", "acme", "-o", str(target))
    assert exported.exit_code == 0 and target.read_bytes().startswith(b"PK")
    again = run("risks", "import", str(target), "--org", "acme")
    assert again.exit_code == 0 and "0 created, 0 changed, 1 unchanged" in again.stderr
    csv_out = run("risks", "export", "--org", "acme", "-o", "-", "--format", "csv")
    assert csv_out.exit_code == 0 and "R-0001" in csv_out.stdout
    assert run("risks", "export", "--org", "acme", "-o", "x", "--format", "pdf").exit_code == 2


def test_importing_needs_a_manager_and_a_readable_file(run, colin, tmp_path):
    sheet = tmp_path / "register.csv"
    sheet.write_text("title,owner\nFlood,colin@acme.test\n", encoding="utf-8")
    refused = run("risks", "import", str(sheet), "--org", "acme", "--user", "colin@acme.test")
    assert refused.exit_code == 1 and "risks.manage" in refused.stderr
    missing = run("risks", "import", str(tmp_path / "none.csv"), "--org", "acme")
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_assets_list_import_and_export(run, server, isla, tmp_path):
    sheet = tmp_path / "inventory.csv"
    sheet.write_text(
        "name,kind,owner,classification,confidentiality\n"
        "Payroll export,information,isla@acme.test,Confidential,5\n"
        "Production database,system,,Restricted,5\n",
        encoding="utf-8",
    )
    result = run("assets", "import", str(sheet), "--org", "acme")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "created": ["AS-0002"],
        "updated": ["AS-0001"],
        "unchanged": 0,
    }
    listed = run("assets", "list", "--org", "acme", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["reference"], r["classification"]) for r in rows] == [
        ("AS-0001", "Restricted"),
        ("AS-0002", "Confidential"),
    ]
    kind = run("assets", "list", "--org", "acme", "--kind", "information")
    assert kind.exit_code == 0 and "AS-0002" in kind.stdout and "AS-0001" not in kind.stdout
    assert run("assets", "list", "--org", "acme", "--retired", "maybe").exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nCar,vehicle\n", encoding="utf-8")
    refused = run("assets", "import", str(bad), "--org", "acme")
    assert refused.exit_code == 2 and "row 2, column kind" in refused.stderr
    assert Asset.objects.count() == 2
    target = tmp_path / "inventory-out.csv"
    assert run("assets", "export", "--org", "acme", "-o", str(target)).exit_code == 0
    assert "Payroll export" in target.read_text(encoding="utf-8-sig")
