import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.isms.models import SoAEntry
from annexa.isms.services import update_soa_entry
from annexa.isms.tests.conftest import ledger_count, sheet


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def decided(soa, isla, colin):
    update_soa_entry(
        isla.ctx,
        "A.5.15",
        {
            "applicable": True,
            "justification": "=Needed.",
            "status": "implemented",
            "control_owner": colin.user,
        },
    )
    return soa


def test_it_lists_the_soa_as_json_with_filters(decided, run):
    result = run("soa", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    entries = json.loads(result.stdout)
    assert len(entries) == 93
    result = run("soa", "list", "--org", "acme", "--format", "json", "--applicable", "yes")
    [entry] = json.loads(result.stdout)
    assert entry["control_id"] == "A.5.15"
    assert entry["control_owner"] == "colin@acme.test"
    assert entry["applicable"] is True


def test_it_prints_a_table_and_refuses_bad_filters(decided, run):
    result = run("soa", "list", "--org", "acme", "--status", "implemented")
    assert result.exit_code == 0 and "A.5.15" in result.stdout
    result = run("soa", "list", "--org", "acme", "--status", "finished")
    assert result.exit_code == 2 and "--status" in result.stderr
    assert run("soa", "list", "--org", "nowhere").exit_code == 1


def test_it_exports_and_imports_unchanged_as_a_no_op(decided, run, tmp_path):
    target = tmp_path / "soa.xlsx"
    result = run("soa", "export", "--org", "acme", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"PK")
    before = ledger_count(decided)
    result = run("soa", "import", str(target), "--org", "acme")
    assert result.exit_code == 0, result.stderr
    assert "0 control(s) changed, 93 unchanged" in result.stderr
    assert ledger_count(decided) == before


def test_it_exports_csv_by_name_or_option(decided, run, tmp_path):
    target = tmp_path / "soa.csv"
    assert run("soa", "export", "--org", "acme", "-o", str(target)).exit_code == 0
    text = target.read_bytes().decode("utf-8-sig")
    assert text.startswith("control_id,") and "'=Needed." in text
    result = run("soa", "export", "--org", "acme", "-o", "-", "--format", "csv")
    assert result.exit_code == 0 and "A.5.15" in result.stdout
    assert run("soa", "export", "--org", "acme", "-o", "x", "--format", "pdf").exit_code == 2


def test_it_imports_changes_as_a_member(decided, run, tmp_path, isla):
    target = tmp_path / "change.xlsx"
    target.write_bytes(sheet([["A.5.1", "", "", "yes", "Policies.", "planned", "", ""]]))
    result = run("soa", "import", str(target), "--org", "acme", "--user", "isla@acme.test")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "A.5.1"
    entry = SoAEntry.objects.get(organization=decided, control_id="A.5.1")
    assert entry.updated_by == isla.user


def test_it_exits_2_with_every_row_error_on_stderr(decided, run, tmp_path):
    target = tmp_path / "bad.xlsx"
    target.write_bytes(
        sheet(
            [
                ["A.9.1", "", "", "yes", "Why.", "implemented", "", ""],
                ["A.5.1", "", "", "perhaps", "Why.", "implemented", "nobody@acme.test", ""],
            ]
        )
    )
    before = ledger_count(decided)
    result = run("soa", "import", str(target), "--org", "acme")
    assert result.exit_code == 2
    assert "row 2, control_id: unknown control 'A.9.1'" in result.stderr
    assert "row 3, applicable" in result.stderr
    assert "row 3, control_owner" in result.stderr
    assert "nothing was changed" in result.stderr
    assert ledger_count(decided) == before


def test_it_refuses_unreadable_files_and_roles_without_permission(decided, run, tmp_path):
    missing = run("soa", "import", str(tmp_path / "missing.xlsx"), "--org", "acme")
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    text = tmp_path / "soa.txt"
    text.write_text("control_id\nA.5.1\n")
    assert run("soa", "import", str(text), "--org", "acme").exit_code == 2
    good = tmp_path / "ok.xlsx"
    good.write_bytes(sheet([]))
    result = run("soa", "import", str(good), "--org", "acme", "--user", "colin@acme.test")
    assert result.exit_code == 1 and "isms.change" in result.stderr
