"""Treatment progress over the last 26 weeks (``services.progress``), read back from the ledger:
risks built through the services at different times (the clock moved back as each change is
made), then each week's figures checked against what happened by its end, and today's against
the register page. The demo's register, dated to its story after the build, shows that story."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from annexa.risks.choices import RiskStatus
from annexa.risks.models import Risk, TreatmentAction
from annexa.risks.services import progress
from annexa.risks.services import risks as risk_service
from annexa.risks.tests.test_risk_demo import demo  # noqa: F401 - the demo fixture

pytestmark = pytest.mark.django_db


REAL_NOW = timezone.now  # the clock, before ``back`` moves it


def day_of(weeks_ago: int) -> dt.date:
    """The day ``weeks_ago`` weeks before the real today (whatever the services' clock says)."""
    return timezone.localtime(REAL_NOW()).date() - dt.timedelta(weeks=weeks_ago)


def moment(weeks_ago: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day_of(weeks_ago), dt.time(hour)))


@contextmanager
def back(weeks_ago: int, hour: int = 12):
    """The services' clock (and the ledger's) at ``hour`` o'clock ``weeks_ago`` weeks ago."""
    with mock.patch.object(timezone, "now", return_value=moment(weeks_ago, hour)):
        yield


def figures(points: list[progress.ProgressPoint], weeks_ago: int) -> tuple[int, int, int, int]:
    """(not yet treated, treatment planned, treated, overdue actions) at that week's end."""
    p = points[len(points) - 1 - weeks_ago]
    assert p.date == day_of(weeks_ago)
    return p.not_treated, p.planned, p.treated, p.overdue_actions


def create(ctx, owner, title: str, **values) -> Risk:
    return risk_service.create_risk(ctx, {"title": title, "owner": owner, **values})


@pytest.fixture
def history(catalog, isla, colin):
    """Six risks of Colin's, made and treated over half a year (the clock moved back)."""
    mine = {"owner": colin.user}
    with back(30):  # before the 26 weeks: E, its treatment planned
        e = create(isla.ctx, **mine, title="E", inherent_likelihood=3, inherent_impact=3)
        e = risk_service.update_risk(isla.ctx, e, {"treatment": "modify"})
    with back(25):
        e1 = risk_service.add_action(
            isla.ctx, e, {"title": "E1", "owner": colin.user, "due_date": day_of(-20)}
        )
    with back(24):
        risk_service.update_action(colin.ctx, e1, {"status": "in_progress"})
    with back(20):
        a = create(isla.ctx, **mine, title="A")  # identified
        b = create(isla.ctx, **mine, title="B", inherent_likelihood=4, inherent_impact=4)
    with back(18):
        a = risk_service.update_risk(isla.ctx, a, {"inherent_likelihood": 2, "inherent_impact": 2})
    with back(15):
        b = risk_service.update_risk(
            isla.ctx, b, {"treatment": "modify", "residual_likelihood": 1, "residual_impact": 2}
        )
        b1 = risk_service.add_action(
            isla.ctx, b, {"title": "B1", "owner": colin.user, "due_date": day_of(11)}
        )
    with back(12):
        c = create(
            isla.ctx,
            **mine,
            title="C",
            inherent_likelihood=2,
            inherent_impact=2,
            treatment="retain",
            residual_likelihood=1,
            residual_impact=2,
        )
    with back(12, hour=15):
        c = risk_service.accept_residual(colin.ctx, c)
    with back(8):
        risk_service.update_action(colin.ctx, b1, {"status": "done"})
        b = risk_service.accept_residual(colin.ctx, b)
    with back(6):
        d = create(isla.ctx, **mine, title="D", inherent_likelihood=1, inherent_impact=1)
        risk_service.add_action(
            isla.ctx, d, {"title": "D1", "owner": colin.user, "due_date": day_of(6)}
        )
    with back(4):
        risk_service.close_risk(isla.ctx, d, "The office it was about has closed.")
    with back(3):  # a new residual rating withdraws C's acceptance; E1 is due sooner
        c = risk_service.update_risk(isla.ctx, c, {"residual_likelihood": 2, "residual_impact": 1})
        risk_service.update_action(isla.ctx, e1, {"due_date": day_of(2)})
    with back(2):
        a = risk_service.update_risk(isla.ctx, a, {"treatment": "modify"})
        risk_service.add_action(
            isla.ctx, a, {"title": "A1", "owner": colin.user, "due_date": day_of(1)}
        )
    f = create(isla.ctx, **mine, title="F")  # today, identified
    return {r.title: r for r in (a, b, c, d, e, f)}


def test_each_week_shows_what_had_happened_by_its_end(history):
    points = progress.progress(history["A"].organization)
    assert len(points) == 26 and points[-1].date == timezone.localdate()
    assert figures(points, 25) == (0, 1, 0, 0)  # E, made before the period, planned
    assert figures(points, 21) == (0, 1, 0, 0)
    assert figures(points, 20) == (2, 1, 0, 0)  # A identified, B assessed
    assert figures(points, 18) == (2, 1, 0, 0)  # A assessed: still not treated
    assert figures(points, 15) == (1, 2, 0, 0)  # B's treatment planned
    assert figures(points, 12) == (1, 2, 1, 0)  # C made and accepted the same day
    assert figures(points, 11) == (1, 2, 1, 0)  # B1 due that day: not yet overdue
    assert figures(points, 10) == (1, 2, 1, 1)  # B1 overdue
    assert figures(points, 9) == (1, 2, 1, 1)
    assert figures(points, 8) == (1, 1, 2, 0)  # B1 done and B accepted: treated
    assert figures(points, 6) == (2, 1, 2, 0)  # D assessed, D1 due that day
    assert figures(points, 5) == (2, 1, 2, 1)  # D1 overdue
    assert figures(points, 4) == (1, 1, 2, 0)  # D closed: neither it nor D1 counts
    assert figures(points, 3) == (1, 2, 1, 0)  # C's acceptance withdrawn; E1 due in a week
    assert figures(points, 2) == (0, 3, 1, 0)  # A's treatment planned; E1 due that day
    assert figures(points, 1) == (0, 3, 1, 1)  # E1 overdue; A1 due that day
    assert figures(points, 0) == (1, 3, 1, 2)  # F made today; A1 overdue too
    assert points[-1].open == 5


def test_this_week_is_what_the_register_shows(history, client_for, vera):
    org = history["A"].organization
    now = progress.progress(org)[-1]
    register = reverse("risks:list", kwargs={"org": org.slug})
    client = client_for(vera)
    page = client.get(register)
    assert page.context["summary"]["open"] == now.open == 5
    assert page.context["summary"]["actions_overdue"] == now.overdue_actions == 2

    def listed(status: str) -> int:
        return client.get(register, {"status": status}).context["paginator"].count

    assert listed(RiskStatus.IDENTIFIED) + listed(RiskStatus.ASSESSED) == now.not_treated
    assert listed(RiskStatus.TREATMENT_PLANNED) == now.planned
    assert listed(RiskStatus.TREATED) == now.treated
    # The heat maps page says the same, in the chart and in its table.
    heat = client.get(reverse("risks:heatmap", kwargs={"org": org.slug})).content.decode()
    assert (
        f"on {timezone.localdate():%Y-%m-%d} 1 not yet treated, 3 with treatment planned, "
        "1 treated, 2 treatment actions overdue" in heat
    )
    today = f'<th scope="row">{timezone.localdate():%Y-%m-%d}</th>'
    assert f"{today}<td>1</td><td>3</td><td>1</td><td>5</td><td>2</td>" in heat
    assert heat.count('<th scope="row">') == 26 + 2 * 5  # the weeks and the two heat maps


def test_a_week_reads_the_changes_made_by_its_end_only(history, isla):
    """A change later the same day as a week's end counts for that week; the previous week's
    figures do not move when something changes after it."""
    org = history["A"].organization
    before = progress.progress(org)
    with back(1, hour=20):
        risk_service.update_risk(isla.ctx, history["C"], {"treatment": ""})  # back to assessed
    after = progress.progress(org)
    assert after[:-2] == before[:-2]
    assert figures(after, 1) == (1, 2, 1, 1)
    assert figures(after, 0) == (2, 2, 1, 2)


def test_stored_moments_date_the_changes_they_record(catalog, isla, colin):
    """As the demo does: built through the services today, then its creation, acceptance and
    action dated to the story; the ledger's entries are today's, the register's own moments
    say when."""
    risk = create(
        isla.ctx,
        colin.user,
        "Backdated",
        inherent_likelihood=2,
        inherent_impact=2,
        treatment="retain",
        residual_likelihood=1,
        residual_impact=1,
    )
    action = risk_service.add_action(
        isla.ctx, risk, {"title": "Lock it", "owner": colin.user, "due_date": day_of(-4)}
    )
    risk_service.accept_residual(colin.ctx, risk)
    risk_service.update_action(colin.ctx, action, {"status": "done"})
    Risk.objects.filter(pk=risk.pk).update(created_at=moment(10), accepted_at=moment(6))
    TreatmentAction.objects.filter(pk=action.pk).update(created_at=moment(10), done_at=moment(7))
    points = progress.progress(risk.organization)
    assert figures(points, 11) == (0, 0, 0, 0)
    assert figures(points, 10) == (0, 1, 0, 0)  # its action not done
    assert figures(points, 7) == (0, 1, 0, 0)  # done, the residual risk not yet accepted
    assert figures(points, 6) == (0, 0, 1, 0)
    assert figures(points, 0) == (0, 0, 1, 0)


def test_an_empty_register_has_flat_lines(catalog, acme):
    points = progress.progress(acme)
    assert len(points) == 26
    assert {(p.open, p.overdue_actions) for p in points} == {(0, 0)}


def test_the_demo_shows_its_story_and_today_the_register(demo):  # noqa: F811 - the fixture
    from annexa.risks.services import reporting

    org, _people = demo
    points = progress.progress(org)
    now = points[-1]
    counts = reporting.by_status(org)
    assert now.not_treated == counts[RiskStatus.IDENTIFIED] + counts[RiskStatus.ASSESSED]
    assert (now.planned, now.treated) == (
        counts[RiskStatus.TREATMENT_PLANNED],
        counts[RiskStatus.TREATED],
    )
    assert now.overdue_actions == len(reporting.overdue_actions(org)) > 0
    # Identified over months, accepted after the workshops: not all there half a year ago.
    assert points[0].open < now.open
    assert points[0].treated < now.treated
