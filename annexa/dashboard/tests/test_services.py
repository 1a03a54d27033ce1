"""The dashboard's numbers, computed as of a fixed day from data built in the conftest."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from annexa.actions.tests.factories import make_action
from annexa.audits.models import AuditProgramme
from annexa.dashboard import services
from annexa.dashboard.tests.conftest import TODAY, finding
from annexa.findings.choices import FindingGrade, FindingStatus
from annexa.findings.tests.factories import make_finding
from annexa.isms.services import update_soa_entry
from annexa.monitoring.choices import ControlStatus


def test_it_counts_open_findings_by_grade_and_age(acme, globex, findings):
    make_finding(globex)  # another organization's finding counts nowhere here
    panel = services.findings_panel(acme, TODAY)
    assert panel.by_grade == {"major_nc": 1, "minor_nc": 2, "observation": 1, "ofi": 1}
    assert (panel.total, panel.nonconformities, panel.drafts) == (5, 3, 1)
    assert panel.by_age == {
        "0-30": {"major_nc": 1, "minor_nc": 1, "observation": 0, "ofi": 0},  # 14 and 30 days
        "31-90": {"major_nc": 0, "minor_nc": 1, "observation": 0, "ofi": 0},
        "91-180": {"major_nc": 0, "minor_nc": 0, "observation": 1, "ofi": 0},
        "180+": {"major_nc": 0, "minor_nc": 0, "observation": 0, "ofi": 1},
    }
    # A week later the 30-day minor has moved on, the 181-day OFI stays in the last bucket.
    later = services.findings_panel(acme, TODAY + dt.timedelta(days=7))
    assert later.by_age["0-30"]["minor_nc"] == 0 and later.by_age["31-90"]["minor_nc"] == 2


def test_it_buckets_ages_at_the_edges():
    edges = {0: "0-30", 30: "0-30", 31: "31-90", 90: "31-90", 91: "91-180", 180: "91-180"}
    edges |= {181: "180+", 5000: "180+", -1: "0-30"}
    assert {days: services.age_bucket(days) for days in edges} == edges


def test_it_lists_overdue_actions_with_owner_and_days(acme, actions, colin, isla):
    panel = services.actions_panel(acme, TODAY)
    assert panel.by_status == {
        "open": 2,
        "in_progress": 1,
        "implemented": 1,
        "verified_effective": 0,
        "closed": 1,
    }
    assert (panel.total, panel.unresolved) == (5, 4)
    assert [(o.action.title, o.action.owner, o.days_overdue) for o in panel.overdue] == [
        ("Restore test", isla.user, 40),
        ("Rotate keys", colin.user, 5),
    ]
    # The same rule as CorrectiveAction.is_overdue, action by action.
    listed = {o.action.pk for o in panel.overdue}
    assert {a.pk for a in actions.values() if a.is_overdue(TODAY)} == listed
    # The day after, the action due today is overdue by one day.
    tomorrow = services.actions_panel(acme, TODAY + dt.timedelta(days=1))
    assert [o.days_overdue for o in tomorrow.overdue] == [41, 6, 1]


def test_it_counts_open_nonconformities_at_each_week_end(acme, findings):
    points = services.burndown(acme, TODAY)
    assert len(points) == 26
    assert points[-1].date == TODAY and points[0].date == TODAY - dt.timedelta(weeks=25)
    by_date = {p.date: (p.major, p.minor) for p in points}

    def at(days):
        return by_date[TODAY - dt.timedelta(days=days)]

    assert at(0) == (1, 2)  # the 14-day major and both minors; the other major closed
    assert at(7) == (1, 2)
    assert at(14) == (1, 2)  # opened on the week end counts; the other major closed on day 20
    assert at(21) == (1, 2)  # the closed major was still open; the new major not yet opened
    assert at(28) == (1, 2)
    assert at(35) == (1, 0)  # before the minors were opened
    assert at(56) == (1, 0)
    assert at(63) == (0, 0)  # before anything was opened
    assert at(175) == (0, 0)  # the old minor closed before the period began
    assert points[-1].total == 3


def test_it_shows_the_programme_progress_coverage_and_next_external_audit(acme, programme):
    panel = services.programme_panel(acme, TODAY)
    assert panel.programme == programme  # the 2026 cycle, not the finished 2023 one
    assert panel.audits_by_status == {"closed": 1, "fieldwork": 1, "planned": 1}
    assert (panel.audits_planned, panel.audits_in_progress, panel.audits_closed) == (1, 1, 1)
    assert (panel.requirements, panel.requirements_covered, panel.requirements_audited) == (2, 2, 1)
    assert (panel.controls, panel.controls_covered, panel.controls_audited) == (1, 1, 1)
    assert (panel.gaps, panel.unexplained_gaps) == (0, 0)
    assert panel.next_external.kind == "surveillance_1"
    assert panel.next_external.date == dt.date(2027, 6, 1)
    assert panel.days_to_next_external == (dt.date(2027, 6, 1) - TODAY).days
    assert (panel.audits_before_next, panel.audits_before_next_closed) == (3, 1)
    # Before the stage 2 audit of 2026-06-01, that is the next one.
    earlier = services.programme_panel(acme, dt.date(2026, 5, 1))
    assert (earlier.next_external.kind, earlier.days_to_next_external) == ("stage_2", 31)


def test_it_picks_the_programme_of_the_current_cycle():
    def made(pk, start, end, status="draft"):
        return AuditProgramme(pk=pk, start_date=start, end_date=end, status=status)

    old = made(1, dt.date(2023, 1, 1), dt.date(2025, 12, 31), "approved")
    draft_now = made(2, dt.date(2026, 1, 1), dt.date(2028, 12, 31))
    approved_now = made(3, dt.date(2025, 6, 1), dt.date(2028, 5, 31), "approved")
    future = made(4, dt.date(2029, 1, 1), dt.date(2031, 12, 31))
    pick = services.current_programme
    assert pick([old, draft_now, approved_now, future], TODAY) is approved_now
    assert pick([old, draft_now, future], TODAY) is draft_now
    assert pick([old, future], TODAY) is future
    assert pick([old], TODAY) is old
    assert pick([], TODAY) is None


def test_it_reuses_the_soa_figures(acme, isla, soa):
    update_soa_entry(
        isla.ctx, "A.8.5", {"status": "implemented", "justification": "Remote access."}
    )
    panel = services.soa_panel(acme)
    assert (panel.total, panel.applicable, panel.implemented) == (1, 1, 1)
    assert panel.percent_implemented == 100
    assert panel.by_theme["technological"]["implemented"] == 1


def test_it_counts_controls_by_monitoring_status(acme, control):
    counts = services.monitoring_counts(acme, TODAY)
    assert set(counts) == set(ControlStatus.values)
    assert counts[ControlStatus.NOT_COVERED] == 1  # A.8.5: nothing speaks for it yet
    assert sum(counts.values()) == 1


def test_it_gives_an_empty_organization_empty_figures(acme):
    data = services.as_data(services.readiness(acme, TODAY))
    assert data["programme"] is None
    assert data["findings"]["open"] == 0 and data["actions"]["overdue"] == []
    assert [p["total"] for p in data["burndown"]] == [0] * 26
    assert data["soa"] == {
        "total": 0,
        "applicable": 0,
        "implemented": 0,
        "percent_implemented": 0,
        "by_theme": {},
    }


def test_it_gives_the_same_figures_as_json(acme, programme, findings, actions):
    r = services.readiness(acme, TODAY)
    data = services.as_data(r)
    assert data["today"] == "2026-06-30"
    assert data["findings"]["by_grade"] == r.findings.by_grade
    assert data["programme"]["audits"] == {
        "total": 3,
        "planned": 1,
        "in_progress": 1,
        "closed": 1,
        "by_status": {"planned": 1, "preparing": 0, "fieldwork": 1, "reporting": 0, "closed": 1},
    }
    assert data["programme"]["next_external_audit"]["date"] == "2027-06-01"
    assert [(a["title"], a["days_overdue"], a["owner"]) for a in data["actions"]["overdue"]] == [
        ("Restore test", 40, "isla@acme.test"),
        ("Rotate keys", 5, "colin@acme.test"),
    ]
    assert data["burndown"][-1] == {"date": "2026-06-30", "major_nc": 1, "minor_nc": 2, "total": 3}


def _queries(org) -> int:
    """The queries of a dashboard computed afresh (nothing kept from an earlier one)."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        services.readiness(org, TODAY)
    return len(captured.captured_queries)


def test_it_computes_everything_in_a_bounded_number_of_queries(
    acme, colin, programme, findings, actions
):
    few = _queries(acme)
    for days in range(40):
        finding(acme, FindingGrade.MINOR_NC, FindingStatus.OPEN, days * 5, days * 5)
        make_action(acme, owner=colin.user, due_date=TODAY - dt.timedelta(days=days + 1))
    many = _queries(acme)
    assert many == few  # the same for 8 findings and 5 actions as for 48 and 45
    # 18, and the risks, suppliers and documents panels', and seven to keep the evidence
    # counted (evidence.summaries: its fingerprint, the cache read and write)
    assert few <= 32
