"""``annexa suppliers list``: the register with the page's filters, as a table or JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.core.tenancy import OrgContext
from annexa.risks.services import suppliers

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def register(isla, colin):
    cloud = suppliers.create_supplier(
        isla.ctx,
        {
            "name": "Old Cloud",
            "service": "Hosting",
            "criticality": "critical",
            "owner": colin.user,
            "review_date": _today() - dt.timedelta(days=1),
        },
    )
    suppliers.record_assessment(
        isla.ctx,
        cloud,
        {
            "kind": "soc2",
            "assessed_on": _today() - dt.timedelta(days=400),
            "expires_on": _today() - dt.timedelta(days=35),
            "result": "conditions",
        },
    )
    mail = suppliers.create_supplier(
        isla.ctx, {"name": "Good Mail", "service": "E-mail", "criticality": "low"}
    )
    return cloud, mail


def test_it_lists_suppliers_as_json_with_their_certificate(run, register):
    result = run("suppliers", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["Good Mail", "Old Cloud"]
    cloud = rows[1]
    assert (cloud["reference"], cloud["criticality"], cloud["owner"]) == (
        "SUP-001",
        "critical",
        "colin@acme.test",
    )
    assert cloud["review_overdue"] is True
    expired_on = (_today() - dt.timedelta(days=35)).isoformat()
    assert cloud["certificate"] == {
        "state": "expired",
        "text": f"SOC 2 report expired {expired_on}",
        "kind": "soc2",
        "expires_on": expired_on,
    }
    assert rows[0]["certificate"]["state"] == "none"


def test_it_filters_like_the_page(run, register):
    def names(*options: str) -> list[str]:
        result = run("suppliers", "list", "--org", "acme", "--format", "json", *options)
        assert result.exit_code == 0, result.stderr
        return [r["name"] for r in json.loads(result.stdout)]

    assert names("--certificate", "expired") == ["Old Cloud"]
    assert names("--certificate", "none") == ["Good Mail"]
    assert names("--criticality", "low") == ["Good Mail"]
    assert names("--overdue") == ["Old Cloud"]
    assert names("--owner", "colin@acme.test") == ["Old Cloud"]
    assert names("-q", "sup-002") == ["Good Mail"]
    suppliers.retire_supplier(OrgContext.system(register[1].organization), register[1], "Gone.")
    assert names() == ["Old Cloud"] and names("--retired") == ["Good Mail", "Old Cloud"]


def test_a_table_by_default_and_bad_options_exit_2(run, register):
    table = run("suppliers", "list", "--org", "acme")
    assert table.exit_code == 0 and "SUP-001" in table.stdout and "expired" in table.stdout
    bad = run("suppliers", "list", "--org", "acme", "--certificate", "soon", "--criticality", "x")
    assert bad.exit_code == 2
    assert "--certificate:" in bad.stderr and "--criticality:" in bad.stderr
    assert run("suppliers", "list", "--org", "nowhere").exit_code == 1
