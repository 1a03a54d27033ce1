"""``annexa documents list|import|templates|copy-template|notify``."""

import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.documents.models import Document


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_list_as_json_and_table(run, approved, policy, isla):
    from annexa.documents.services import register

    register.create_document(isla.ctx, {"title": "Draft procedure", "kind": "procedure"})
    result = run("documents", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["reference"] for r in rows] == ["DOC-001", "DOC-002"]
    assert rows[0]["approved_version"] == "1.0" and rows[0]["controls"] == ["A.5.1"]
    approved_only = run(
        "documents", "list", "--org", "acme", "--status", "approved", "--format", "json"
    )
    assert [r["reference"] for r in json.loads(approved_only.stdout)] == ["DOC-001"]
    table = run("documents", "list", "--org", "acme")
    assert table.exit_code == 0 and "DOC-002" in table.stdout
    bad = run("documents", "list", "--org", "acme", "--status", "finished")
    assert bad.exit_code == 2 and "--status" in bad.stderr


def test_import_exit_codes(run, tmp_path, db, catalog, isla):
    good = tmp_path / "good.csv"
    good.write_text("title,kind,controls\nIncident procedure,procedure,A.5.26\n")
    result = run("documents", "import", str(good), "--org", "acme", "--user", "isla@acme.test")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == ["DOC-001"]
    bad = tmp_path / "bad.csv"
    bad.write_text("title,kind\nOne,policy\n,policy\nThree,poem\n")
    refused = run("documents", "import", str(bad), "--org", "acme")
    assert refused.exit_code == 2
    assert "row 3, column title" in refused.stderr and "row 4, column kind" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert Document.objects.count() == 1
    missing = run("documents", "import", str(tmp_path / "nope.csv"), "--org", "acme")
    assert missing.exit_code == 1


def test_templates_and_copy(run, db, catalog, isla):
    listed = run("documents", "templates", "--format", "json")
    assert "backup-policy" in {t["key"] for t in json.loads(listed.stdout)}
    copied = run(
        "documents", "copy-template", "backup-policy", "--org", "acme", "--user", "isla@acme.test"
    )
    assert copied.exit_code == 0 and json.loads(copied.stdout)["reference"] == "DOC-001"
    unknown = run("documents", "copy-template", "poetry", "--org", "acme")
    assert unknown.exit_code == 2 and "No starter template" in unknown.stderr


def test_notify(run, approved, policy):
    result = run("documents", "notify", "--org", "acme")
    assert result.exit_code == 0 and "0 e-mail(s) sent" in result.stderr
