"""``annexa dashboard --org SLUG [--format json]``."""

from __future__ import annotations

import json

from annexa.dashboard import services
from annexa.dashboard.tests.test_views import overdue  # noqa: F401 (fixture)
from annexa.findings.tests.conftest import audit, draft, nc_item, open_nc, version  # noqa: F401
from annexa.findings.tests.test_cli import run  # noqa: F401 (fixture)


def test_it_prints_the_dashboard_as_json(run, overdue):  # noqa: F811 (fixtures)
    result = run("dashboard", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == services.as_data(services.readiness(overdue.organization))
    assert [a["reference"] for a in data["actions"]["overdue"]] == [overdue.reference]


def test_it_prints_a_text_summary(run, overdue):  # noqa: F811 (fixtures)
    result = run("dashboard", "--org", "acme")
    assert result.exit_code == 0, result.stderr
    assert "Open findings: 1 (major_nc 1" in result.stdout
    assert f"{overdue.reference} " in result.stdout and "3 day(s) overdue" in result.stdout
    assert "Audit programme: " in result.stdout


def test_it_handles_an_empty_organization_and_bad_input(run, acme):  # noqa: F811
    result = run("dashboard", "--org", "acme")
    assert result.exit_code == 0 and "Audit programme: none yet" in result.stdout
    unknown = run("dashboard", "--org", "nowhere")
    assert unknown.exit_code == 1 and "nowhere" in unknown.stderr
    assert run("dashboard", "--org", "acme", "--format", "pdf").exit_code == 2
