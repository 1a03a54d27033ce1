"""Overdue actions: listed, counted for the dashboard, and e-mailed at most once a day to the
owner and the ISMS managers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone
from typer.testing import CliRunner

from annexa.actions import services
from annexa.actions.models import OverdueNotice
from annexa.cli.main import app

TODAY = dt.date(2026, 5, 4)


@pytest.fixture
def late(action, isla):
    """The action, due well before TODAY."""
    return services.update_action(isla.ctx, action, {"due_date": TODAY - dt.timedelta(days=3)})


def test_it_lists_only_unfinished_actions_past_their_due_date(late, acme):
    assert list(services.overdue(acme, TODAY)) == [late]
    assert list(services.overdue(acme, late.due_date)) == []
    assert late.is_overdue(TODAY) and late.days_overdue(TODAY) == 3


def test_it_counts_for_the_dashboard(late, acme):
    counts = services.summary(acme, TODAY)
    assert counts["overdue"] == 1 and counts["unresolved"] == 1 and counts["due_soon"] == 0
    assert counts["findings_unresolved"] == 1 and counts["nonconformities_unresolved"] == 1


def test_it_notifies_once_a_day_each(late, acme, colin, isla, alice):
    first = services.notify_overdue(acme, TODAY)
    assert (first.emails, first.notices) == (2, 2)
    assert sorted(m.to[0] for m in mail.outbox) == [colin.user.email, isla.user.email]
    message = mail.outbox[0]
    assert late.reference in message.body and "3 days overdue" in message.body
    assert f"/o/acme/actions/{late.pk}/" in message.body
    second = services.notify_overdue(acme, TODAY)
    assert (second.emails, second.notices) == (0, 0) and len(mail.outbox) == 2
    assert OverdueNotice.objects.filter(action=late, date=TODAY).count() == 2
    next_day = services.notify_overdue(acme, TODAY + dt.timedelta(days=1))
    assert next_day.emails == 2 and len(mail.outbox) == 4


def test_it_groups_a_persons_overdue_actions_in_one_email(late, isla, colin, open_nc, acme):
    services.create_action(
        isla.ctx,
        finding=open_nc,
        plan="Second.",
        owner=colin.user,
        due_date=TODAY - dt.timedelta(1),
    )
    report = services.notify_overdue(acme, TODAY)
    assert (report.emails, report.notices) == (2, 4)
    assert all("2 overdue corrective actions" in m.subject for m in mail.outbox)


def test_it_sends_nothing_for_finished_or_future_actions(implemented, acme, isla):
    services.update_action(isla.ctx, implemented, {"due_date": TODAY - dt.timedelta(days=9)})
    assert services.notify_overdue(acme, TODAY).emails == 0 and mail.outbox == []


def test_it_retries_tomorrow_when_sending_fails(late, acme, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("annexa.actions.services.reminders.send_mail", broken)
    report = services.notify_overdue(acme, TODAY)
    assert report.emails == 0 and len(report.failures) == 2
    assert not OverdueNotice.objects.exists()  # rolled back, so the next run sends them


@pytest.fixture
def late_today(action, isla):
    """The action, due yesterday by the real clock (jobs and the CLI use today)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return services.update_action(isla.ctx, action, {"due_date": yesterday})


def test_it_runs_as_a_periodic_job(late_today):
    from annexa.actions.tasks import notify_overdue

    notify_overdue()  # immediate mode: the job runs inline
    assert len(mail.outbox) == 2
    notify_overdue()
    assert len(mail.outbox) == 2
    assert notify_overdue.call_local() == 0  # what the worker would log: nothing left to send


def test_it_runs_from_the_cli_once_a_day(late_today):
    runner = CliRunner()
    first = runner.invoke(app, ["actions", "notify-overdue", "--org", "acme"])
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {"emails": 2, "notices": 2, "failures": []}
    again = runner.invoke(app, ["actions", "notify-overdue"])
    assert json.loads(again.stdout)["emails"] == 0 and len(mail.outbox) == 2
    assert runner.invoke(app, ["actions", "notify-overdue", "--org", "nowhere"]).exit_code == 1
