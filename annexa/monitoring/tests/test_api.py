"""Monitoring API: statuses, one control, coverage, runs, changes, tests."""

from __future__ import annotations

import pytest

from annexa.connectors.tests.samples import LYNIS, sample
from annexa.monitoring import services

BASE = "/api/v1/orgs/acme/monitoring/"


@pytest.fixture
def judged(isla, catalog):
    return services.ingest(isla.ctx, sample(LYNIS))


def test_it_lists_control_statuses(vera, client_for, judged):
    body = client_for(vera).get(f"{BASE}controls/").json()
    assert len(body) == 93
    by_id = {c["control"]: c for c in body}
    assert by_id["A.8.7"]["status"] == "failing"
    # The report's host has no firewall program: lynis_firewall_active cannot tell (error),
    # so A.8.20 has results but none that decides (it used to pass on kernel support alone).
    assert by_id["A.8.20"]["status"] == "stale"
    failing = client_for(vera).get(f"{BASE}controls/?status=failing").json()
    assert {c["status"] for c in failing} == {"failing"}


def test_it_shows_one_control(vera, client_for, judged):
    body = client_for(vera).get(f"{BASE}controls/A.8.7/").json()
    assert body["results"][0]["test_id"] == "lynis_malware_scanner"
    assert body["history"][0]["status"] == "fail"
    assert client_for(vera).get(f"{BASE}controls/A.99.1/").status_code == 404


def test_it_reports_coverage(vera, client_for, judged):
    body = client_for(vera).get(f"{BASE}coverage/").json()
    assert body["controls"] == 93 and body["tested_automatically"] >= 5
    assert body["with_tests"] >= 25


def test_it_lists_and_shows_runs(vera, client_for, judged):
    client = client_for(vera)
    runs = client.get(f"{BASE}runs/?kind=lynis").json()["results"]
    assert [r["id"] for r in runs] == [judged.run.pk]
    detail = client.get(f"{BASE}runs/{judged.run.pk}/").json()
    assert len(detail["results"]) == 19 and detail["controls"]["A.8.7"]["fail"] >= 1
    assert "CORE-1000" in {entry["rule"] for entry in detail["summary"]["unmapped"]}


def test_it_lists_status_changes(vera, client_for, judged):
    changes = client_for(vera).get(f"{BASE}changes/?control=A.8.7").json()["results"]
    assert changes[0]["status"] == "failing" and changes[0]["test_run"] == str(judged.run.uid)


def test_it_lists_the_tests(vera, client_for, catalog):
    tests = client_for(vera).get(f"{BASE}tests/").json()
    assert len(tests) >= 40 and {"id", "control_ids", "remediation"} <= set(tests[0])


def test_it_hides_other_organizations(oscar, client_for, judged):
    assert client_for(oscar).get(f"{BASE}controls/").status_code == 404
