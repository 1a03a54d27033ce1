"""One automated status per control, whatever page, API or report shows it.

Real scanner outputs (Lynis, OpenSCAP, Prowler) are imported; then the test run page, the
connector run page, the status grid, the control pages, the coverage page, the API, the
readiness dashboard and the management review input must all give each control the same
status, and that status must agree with the scanner results the run pages show (a fresh
failing rule that tests a control makes it failing; a control whose tested rules pass is not
"not covered").
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample
from annexa.monitoring import services
from annexa.monitoring.choices import ControlStatus

API = "/api/v1/orgs/acme/"
PAGES = "/o/acme/"
ROW = re.compile(r'<tr data-control="(A\.[\d.]+)" data-status="([a-z_]+)"')
CELL = re.compile(
    r'<a href="/o/acme/monitoring/controls/(A\.[\d.]+)/"[^>]*><rect [^>]*data-status="([a-z_]+)"'
)
BADGE = re.compile(r'data-status="([a-z_]+)"')


@pytest.fixture
def imported(isla, catalog):
    return [services.ingest(isla.ctx, sample(name)) for name in (LYNIS, OPENSCAP, PROWLER[0])]


def _expected_from_scanner(counts: dict[str, dict[str, int]]) -> dict[str, set[str]]:
    """What a run's per-control scanner counts allow the control's status to be."""
    allowed = {}
    for control, tally in counts.items():
        if tally["fail"]:
            allowed[control] = {ControlStatus.FAILING}
        elif tally["pass"]:
            # a control test may still fail it; nothing else
            allowed[control] = {ControlStatus.PASSING, ControlStatus.FAILING}
    return allowed


def test_every_face_gives_a_control_the_same_automated_status(imported, vera, client_for):
    client = client_for(vera)
    api = {c["control"]: c["status"] for c in client.get(f"{API}monitoring/controls/").json()}
    assert len(api) == 93

    # The scanner results on the run pages decide what the control may be.
    rule_decided: dict[str, set[str]] = {}
    for judged in imported:
        for control, allowed in _expected_from_scanner(services.control_counts(judged.run)).items():
            rule_decided[control] = rule_decided.get(control, allowed) & allowed
    assert rule_decided, "the samples have scanner results that decide controls"
    wrong = {c: api[c] for c, allowed in rule_decided.items() if api[c] not in allowed}
    assert not wrong, f"the status contradicts the scanner results: {wrong}"

    # Every run page (monitoring's and the connector's) states that same status per control.
    for judged in imported:
        for url in (
            f"{PAGES}monitoring/runs/{judged.run.pk}/",
            f"{PAGES}connectors/runs/{judged.item.run_id}/",
        ):
            rows = dict(ROW.findall(client.get(url).content.decode()))
            assert set(rows) == set(services.control_counts(judged.run)), url
            assert rows == {c: api[c] for c in rows}, url
        assert judged.as_dict()["control_status"] == {
            c: api[c] for c in services.control_counts(judged.run)
        }
        body = client.get(f"{API}monitoring/runs/{judged.run.pk}/").json()
        assert body["control_status"] == {c: api[c] for c in body["controls"]}

    # The grid, the coverage page and every control's own page and API.
    grid = dict(CELL.findall(client.get(f"{PAGES}monitoring/").content.decode()))
    assert grid == api
    coverage = dict(ROW.findall(client.get(f"{PAGES}monitoring/coverage/").content.decode()))
    assert coverage == api
    for control in sorted(rule_decided):
        page = client.get(f"{PAGES}monitoring/controls/{control}/").content.decode()
        assert BADGE.search(page).group(1) == api[control], control
        detail = client.get(f"{API}monitoring/controls/{control}/").json()
        assert detail["status"] == api[control], control

    # The reports: the readiness dashboard (page data and API) and the management review.
    totals = Counter(api.values())
    expected = {status: totals.get(status, 0) for status in ControlStatus.values}
    assert client.get(f"{API}dashboard/").json()["monitoring"] == expected
    from django.utils import timezone

    from annexa.reviews.sources import Window, monitoring_results

    window = Window(since=None, previous=None, own_prefix="MR-X ", today=timezone.localdate())
    figures = dict(monitoring_results(imported[0].run.organization, window)["figures"])
    for status in ControlStatus:
        if status != ControlStatus.NOT_COVERED:
            assert figures[status.label] == totals.get(status, 0), status


def test_a_broad_related_reference_never_makes_a_control_pass(imported, vera, client_for):
    """SSG's 2013 references cite many controls per rule; none of them passes by it."""
    related = set()
    counted = set()
    for judged in imported:
        related |= set(judged.run.summary.get("related", {}))
        counted |= {
            c
            for c, tally in services.control_counts(judged.run).items()
            if tally["pass"] or tally["fail"]
        }
        counted |= {
            c
            for r in judged.run.results.all()
            if r.status != "not_applicable"
            for c in r.control_ids
        }
    only_related = related - counted
    assert only_related, "the samples cite controls through broad references only"
    body = client_for(vera).get(f"{API}monitoring/controls/").json()
    status = {c["control"]: c["status"] for c in body}
    assert {c: status[c] for c in only_related if status[c] == ControlStatus.PASSING} == {}


@pytest.mark.parametrize(
    "page",
    ["monitoring/", "monitoring/coverage/", "monitoring/controls/A.8.3/", "dashboard"],
)
def test_the_status_pages_take_the_same_queries_for_more_systems(isla, catalog, client_for, page):
    """The number of queries does not grow with the results, runs and systems shown."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(isla)
    url = PAGES if page == "dashboard" else f"{PAGES}{page}"
    services.ingest(isla.ctx, sample(LYNIS))
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for name in (OPENSCAP, *PROWLER):
        services.ingest(isla.ctx, sample(name))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_a_run_page_takes_the_same_queries_for_more_controls(isla, catalog, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(isla)
    small = services.ingest(isla.ctx, sample(PROWLER[3]))  # 4 controls
    large = services.ingest(isla.ctx, sample(LYNIS))  # about 20
    assert len(services.control_counts(large.run)) > len(services.control_counts(small.run))
    counted = []
    for judged in (small, large):
        for url in (
            f"{PAGES}monitoring/runs/{judged.run.pk}/",
            f"{PAGES}connectors/runs/{judged.item.run_id}/",
            f"{API}monitoring/runs/{judged.run.pk}/",
        ):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counted.append(len(queries))
    assert counted[:3] == counted[3:]
