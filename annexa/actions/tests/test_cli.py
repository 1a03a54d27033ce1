"""``annexa actions list`` and ``annexa actions export``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from annexa.actions import services
from annexa.cli.main import app


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_it_lists_actions_and_the_overdue_ones(run, action, isla):
    result = run("actions", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["reference"], row["finding"], row["overdue"]) == ("CA-0001", "F-0001", False)
    result = run("actions", "list", "--org", "acme", "--overdue", "--format", "json")
    assert json.loads(result.stdout) == []
    services.update_action(
        isla.ctx, action, {"due_date": timezone.localdate() - dt.timedelta(days=1)}
    )
    result = run("actions", "list", "--org", "acme", "--overdue", "--format", "json")
    assert [r["reference"] for r in json.loads(result.stdout)] == ["CA-0001"]
    table = run("actions", "list", "--org", "acme")
    assert table.exit_code == 0 and "CA-0001" in table.stdout


def test_it_exports_poam_and_xlsx(run, action, tmp_path):
    from openpyxl import load_workbook
    from trestle.oscal.poam import PlanOfActionAndMilestones

    target = tmp_path / "poam.json"
    result = run("actions", "export", "--org", "acme", "--format", "poam", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    document = json.loads(target.read_text())["plan-of-action-and-milestones"]
    assert (
        PlanOfActionAndMilestones.model_validate(document).poam_items[0].title.startswith("CA-0001")
    )
    sheet = tmp_path / "actions.xlsx"
    assert (
        run("actions", "export", "--org", "acme", "--format", "xlsx", "-o", str(sheet)).exit_code
        == 0
    )
    assert load_workbook(sheet).active["A2"].value == "CA-0001"


def test_it_fails_clearly(run, acme, tmp_path):
    empty = run("actions", "export", "--org", "acme", "--format", "poam", "-o", str(tmp_path / "x"))
    assert empty.exit_code == 1 and "no corrective action" in empty.stderr
    assert not (tmp_path / "x").exists()
    bad = run("actions", "export", "--org", "acme", "--format", "pdf", "-o", str(tmp_path / "y"))
    assert bad.exit_code == 2
    missing = run(
        "actions", "export", "--org", "acme", "--format", "xlsx", "-o", str(tmp_path / "no/x.xlsx")
    )
    assert missing.exit_code == 1 and "no such directory" in missing.stderr
