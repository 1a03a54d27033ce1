"""Monitoring pages: grid, control detail, coverage, test run, test catalogue."""

from __future__ import annotations

import pytest

from annexa.connectors.tests.samples import LYNIS, sample
from annexa.monitoring import services


@pytest.fixture
def judged(isla, catalog):
    return services.ingest(isla.ctx, sample(LYNIS))


def test_it_draws_the_status_grid(vera, client_for, judged):
    page = client_for(vera).get("/o/acme/monitoring/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("<rect") >= 93 + 5  # a square per control, plus the legend
    assert 'data-status="failing"' in text and 'data-status="passing"' in text
    assert "/o/acme/monitoring/controls/A.8.7/" in text
    assert "A.8.7 Protection against malware — Failing" in text


def test_it_escapes_control_titles_in_the_grid(vera, client_for, catalog):
    from annexa.catalog.models import Control

    Control.objects.filter(id="A.5.1").update(title="<script>alert(1)</script>")
    text = client_for(vera).get("/o/acme/monitoring/").content.decode()
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text


def test_it_shows_one_control_over_time(vera, client_for, judged):
    page = client_for(vera).get("/o/acme/monitoring/controls/A.8.7/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "lynis_malware_scanner" in text and "lynis:vm" in text and "Failing" in text


def test_it_answers_404_for_an_unknown_control(vera, client_for, catalog):
    assert client_for(vera).get("/o/acme/monitoring/controls/A.9.9/").status_code == 404


def test_it_shows_automation_coverage(vera, client_for, judged):
    page = client_for(vera).get("/o/acme/monitoring/coverage/")
    text = page.content.decode()
    assert page.status_code == 200 and "controls are tested automatically" in text
    assert "lynis_malware_scanner" in text


def test_it_shows_a_test_run(vera, client_for, judged):
    page = client_for(vera).get(f"/o/acme/monitoring/runs/{judged.run.pk}/")
    text = page.content.decode()
    assert "lynis_hardening_index" in text and "Unmapped rules" in text and "LYNIS" in text


def test_it_lists_the_control_tests(vera, client_for, catalog):
    text = client_for(vera).get("/o/acme/monitoring/tests/").content.decode()
    assert "ocsf_mfa" in text and "Passes when" in text


def test_it_adds_monitoring_and_connectors_to_the_navigation(vera, client_for, catalog):
    text = client_for(vera).get("/o/acme/monitoring/").content.decode()
    assert 'href="/o/acme/monitoring/"' in text and 'href="/o/acme/connectors/"' in text
