"""``annexa access-review list|create|import-accounts|close`` and their exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from annexa.access import services
from annexa.access.tests.conftest import SYSTEM, item
from annexa.cli.main import app
from annexa.people.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_create_and_list(run, payroll, isla, colin):
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    base = ("access-review", "create", "--org", "acme", "--system", SYSTEM, "--due", due)
    missing = run(*base, "--by-manager")
    assert missing.exit_code == 2 and "--reviewer" in missing.stderr
    created = run(*base, "--reviewer", "colin@acme.test", "--format", "json")
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)[0]["progress"]["accounts"] == 4
    again = run(*base, "--reviewer", "colin@acme.test")
    assert again.exit_code == 2 and "already open" in again.stderr
    assert run(*base[:-2], "--due", "soon", "--reviewer", "x").exit_code == 2
    listed = run("access-review", "list", "--org", "acme", "--format", "json")
    assert [r["reference"] for r in json.loads(listed.stdout)] == ["AR-001"]
    table = run("access-review", "list", "--org", "acme", "--status", "open")
    assert table.exit_code == 0 and "AR-001" in table.stdout
    assert run("access-review", "list", "--org", "acme", "--status", "x").exit_code == 2
    assert run("access-review", "list", "--org", "nowhere").exit_code == 1


def test_import_accounts_exits_2_listing_every_bad_row(run, staff, tmp_path):
    bad = tmp_path / "crm.csv"
    bad.write_text("account,privileged,last login\n,no,\nroot,maybe,\nsvc,no,last week\n")
    result = run("access-review", "import-accounts", "--org", "acme", "--system", "CRM", str(bad))
    assert result.exit_code == 2
    for where in ("row 2, column account", "row 3, column privileged", "row 4, column last_login"):
        assert where in result.stderr
    assert "nothing was imported" in result.stderr
    assert not Account.objects.filter(system="CRM").exists()
    good = tmp_path / "crm-ok.csv"
    good.write_text("account,email\npat,pat@acme.test\nroot,\n")
    args = ("access-review", "import-accounts", "--org", "acme", "--system", "CRM", str(good))
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 2
    missing = run("access-review", "import-accounts", "--org", "acme", "--system", "CRM", "/no")
    assert missing.exit_code == 1


def test_import_refreshes_the_named_review(run, review, tmp_path):
    listed = tmp_path / "payroll.csv"
    listed.write_text("account\npat\nnewbie\n")
    result = run(
        "access-review", "import-accounts", "--org", "acme", "--system", SYSTEM,
        "--review", "AR-001", str(listed),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "AR-001: 1 accounts added" in result.stderr
    assert review.items.filter(username="newbie").exists()
    unknown = run(
        "access-review", "import-accounts", "--org", "acme", "--system", SYSTEM,
        "--review", "AR-009", str(listed),
    )  # fmt: skip
    assert unknown.exit_code == 1


def test_close_exits_2_naming_the_undecided_count(run, review, colin, isla, catalog):
    early = run("access-review", "close", "--org", "acme", "AR-001")
    assert early.exit_code == 2 and "4 accounts not decided yet" in early.stderr
    services.decide(colin.ctx, item(review, "pat"), "keep")
    services.decide(colin.ctx, item(review, "colin"), "keep", justification="Cover")
    services.confirm(isla.ctx, item(review, "colin"))
    services.decide(colin.ctx, item(review, "admin"), "keep", reason="Break-glass")
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left")
    closed = run("access-review", "close", "--org", "acme", "AR-1", "--user", "isla@acme.test")
    assert closed.exit_code == 0, closed.stderr
    row = json.loads(run("access-review", "list", "--org", "acme", "--format", "json").stdout)[0]
    assert row["status"] == "closed" and row["record_sha256"] in closed.stderr.replace("\n", "")
