"""``annexa findings list``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.findings.tests.factories import make_finding


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_it_lists_findings_as_json_with_filters(run, acme, control):
    make_finding(acme, grade="major_nc", title="No MFA")
    make_finding(acme, grade="ofi", status="closed")
    result = run("findings", "list", "--org", "acme", "--grade", "major_nc", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["reference"], row["title"], row["subject"]) == ("F-0001", "No MFA", "A.8.5")
    result = run("findings", "list", "--org", "acme", "--status", "closed", "--format", "json")
    assert [r["grade"] for r in json.loads(result.stdout)] == ["ofi"]


def test_it_prints_a_table_and_refuses_bad_options(run, acme, control):
    make_finding(acme)
    result = run("findings", "list", "--org", "acme")
    assert result.exit_code == 0 and "F-0001" in result.stdout
    result = run("findings", "list", "--org", "acme", "--grade", "huge")
    assert result.exit_code == 2 and "--grade" in result.stderr
    assert run("findings", "list", "--org", "nowhere").exit_code == 1
