"""Pass rate per Annex A theme and day, from known results at known times; the chart."""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse
from django.utils import timezone

from annexa.evidence import services as evidence
from annexa.monitoring import charts, trends
from annexa.monitoring.choices import RunStatus
from annexa.monitoring.models import TestResult, TestRun

TODAY = dt.date(2026, 11, 20)


def at(day: int, hour: int = 12) -> dt.datetime:
    """``day`` days before TODAY, at ``hour`` local time."""
    moment = dt.datetime.combine(TODAY - dt.timedelta(days=day), dt.time(hour))
    return timezone.make_aware(moment)


def record(org, version, when: dt.datetime, outcomes: dict[str, str]) -> None:
    """A test run observed at ``when`` with the given test outcomes."""
    from annexa.monitoring import loader

    tests = loader.all_tests()
    run = TestRun.objects.create(
        organization=org,
        version=version,
        kind="lynis",
        stream="lynis:web1",
        suite=uuid.uuid4().hex,
        observed_at=when,
        status=RunStatus.SUCCEEDED,
    )
    for test_id, status in outcomes.items():
        TestResult.objects.create(
            organization=org,
            run=run,
            test_id=test_id,
            status=status,
            reason="known",
            control_ids=list(tests[test_id].control_ids),
            stream=run.stream,
            observed_at=when,
            is_latest=False,
        )


def test_it_computes_the_daily_pass_rate_per_theme(isla, catalog):
    org = isla.ctx.org
    version = evidence.store(isla.ctx, chunks=[b"report\n"], filename="r.txt")
    # Technological: A.8.7 (malware) and A.8.15 (audit daemon); People: A.6.3 (training);
    # Physical: A.7.10 (USB storage); Organizational: A.5.9 (asset owners).
    record(org, version, at(2, 9), {"lynis_malware_scanner": "pass", "lynis_audit_daemon": "fail"})
    record(
        org, version, at(2, 15), {"lynis_malware_scanner": "pass", "training_completion": "fail"}
    )
    record(org, version, at(1), {"lynis_malware_scanner": "fail", "lynis_usb_storage": "pass"})
    record(org, version, at(0), {"lynis_malware_scanner": "pass", "assets_owner_missing": "pass"})
    record(
        org, version, at(0), {"lynis_audit_daemon": "error", "lynis_usb_storage": "not_applicable"}
    )
    record(org, version, at(5), {"lynis_malware_scanner": "fail"})  # before the window

    trend = trends.pass_rates(org, days=3, today=TODAY)
    assert trend.days == [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1), TODAY]
    rates = {t.theme: t.rates for t in trend.themes}
    assert rates == {
        "technological": [67, 0, 100],
        "people": [0, None, None],
        "physical": [None, 100, None],
        "organizational": [None, None, 100],
    }
    technological = next(t for t in trend.themes if t.theme == "technological")
    assert (technological.passed, technological.decided) == ([2, 0, 1], [3, 1, 1])
    assert not trend.empty


def test_it_draws_the_trend_with_gaps(isla, catalog):
    org = isla.ctx.org
    version = evidence.store(isla.ctx, chunks=[b"report\n"], filename="r.txt")
    record(org, version, at(1), {"lynis_malware_scanner": "pass", "lynis_usb_storage": "fail"})
    svg = str(charts.trend_chart(trends.pass_rates(org, days=30, today=TODAY)))
    assert 'id="pass-rate-trend-title"' in svg and "Pass rate by theme, last 30 days" in svg
    assert "11-19 — Technological: 100 %" in svg and "11-19 — Physical: 0 %" in svg
    assert svg.count("<circle") == 2  # days without results are gaps, not zeros
    assert 'data-series="People"' in svg


def test_an_empty_trend_says_so(isla, catalog):
    trend = trends.pass_rates(isla.ctx.org, days=30, today=TODAY)
    assert trend.empty and all(rate is None for t in trend.themes for rate in t.rates)


def test_the_grid_and_coverage_pages_show_the_pictures(isla, catalog, client_for):
    client = client_for(isla)
    grid = client.get(reverse("monitoring:grid", kwargs={"org": "acme"}))
    assert 'id="pass-rate-trend-title"' in grid.content.decode()
    longer = client.get(reverse("monitoring:grid", kwargs={"org": "acme"}) + "?days=90")
    assert "last 90 days" in longer.content.decode()
    coverage = client.get(reverse("monitoring:coverage", kwargs={"org": "acme"})).content.decode()
    for column in (
        "Tested automatically by",
        "Control test results",
        "Scanner rule results",
        "Uploaded evidence",
    ):
        assert column in coverage
