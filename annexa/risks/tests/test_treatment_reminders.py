"""Overdue risk treatment actions are e-mailed to the action's owner and the risk's owner at most
once a day for each action and person (the corrective actions' rule), with what was sent kept as
``TreatmentNotice`` rows; the background job and ``annexa risks notify`` send them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.risks.models import TreatmentNotice
from annexa.risks.services import risks
from annexa.risks.services import treatment_reminders as reminders

TODAY = dt.date(2026, 5, 4)


def action(ctx, risk, owner, due: dt.date, title: str = "Phishing-resistant MFA for admins"):
    return risks.add_action(ctx, risk, {"title": title, "owner": owner, "due_date": due})


@pytest.fixture
def late(phishing, isla, audrey):
    """Audrey's action on Colin's risk, three days overdue on TODAY."""
    return action(isla.ctx, phishing, audrey.user, TODAY - dt.timedelta(days=3))


@override_settings(BASE_URL="https://annexa.example.org/")
def test_the_action_and_risk_owners_are_reminded_once_a_day(late, phishing, acme, audrey, colin):
    first = reminders.notify_treatment(acme, TODAY)
    assert (first.emails, first.notices, first.failures) == (2, 2, [])
    assert sorted(m.to[0] for m in mail.outbox) == [audrey.user.email, colin.user.email]
    message = next(m for m in mail.outbox if m.to == [audrey.user.email])
    assert message.subject == "[Annexa] 1 overdue risk treatment action in Acme Ltd"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    body = message.body
    assert body.startswith("Hello Audrey Auditor,")
    assert f"- {late.reference} Phishing-resistant MFA for admins" in body
    assert (
        f"treats risk {phishing.reference} Credential phishing of administrators "
        "(risk owner colin@acme.test)"
    ) in body
    assert "owner audrey@acme.test, due 2026-05-01 (3 days overdue), open" in body
    assert f"https://annexa.example.org/o/acme/risks/{phishing.pk}/\n" in body
    assert "once a day" in body
    # The risk owner's e-mail names the same action and link.
    to_colin = next(m for m in mail.outbox if m.to == [colin.user.email]).body
    assert late.reference in to_colin and f"/o/acme/risks/{phishing.pk}/" in to_colin
    assert set(
        TreatmentNotice.objects.filter(action=late, date=TODAY).values_list(
            "recipient__email", flat=True
        )
    ) == {audrey.user.email, colin.user.email}

    # Later the same day: nothing again.
    again = reminders.notify_treatment(acme, TODAY)
    assert (again.emails, again.notices) == (0, 0) and len(mail.outbox) == 2
    # The next day: again, one day later overdue.
    next_day = reminders.notify_treatment(acme, TODAY + dt.timedelta(days=1))
    assert (next_day.emails, next_day.notices) == (2, 2) and len(mail.outbox) == 4
    assert "(4 days overdue)" in mail.outbox[-1].body
    assert TreatmentNotice.objects.filter(action=late).count() == 4


def test_a_risk_owner_who_owns_the_action_gets_one_email(phishing, isla, colin, acme):
    mine = action(isla.ctx, phishing, colin.user, TODAY - dt.timedelta(days=1), "Admin training")
    report = reminders.notify_treatment(acme, TODAY)
    assert (report.emails, report.notices) == (1, 1)
    [message] = mail.outbox
    assert message.to == [colin.user.email]
    assert f"{mine.reference} Admin training" in message.body
    assert "(1 day overdue), open" in message.body


def test_a_persons_overdue_actions_come_in_one_email(late, phishing, isla, colin, acme):
    second = action(isla.ctx, phishing, colin.user, TODAY - dt.timedelta(days=10), "Admin training")
    risks.update_action(isla.ctx, second, {"status": "in_progress"})
    report = reminders.notify_treatment(acme, TODAY)
    assert (report.emails, report.notices) == (2, 3)  # Colin: both; Audrey: hers
    to_colin = next(m for m in mail.outbox if m.to == [colin.user.email])
    assert to_colin.subject == "[Annexa] 2 overdue risk treatment actions in Acme Ltd"
    assert "(10 days overdue), in progress" in to_colin.body
    # Most overdue first.
    assert to_colin.body.index(second.reference) < to_colin.body.index(late.reference)


def test_done_cancelled_and_not_yet_due_actions_are_not_reminded(late, phishing, isla, acme):
    risks.update_action(isla.ctx, late, {"status": "done"})
    cancelled = action(isla.ctx, phishing, isla.user, TODAY - dt.timedelta(days=5), "Old plan")
    risks.update_action(isla.ctx, cancelled, {"status": "cancelled"})
    action(isla.ctx, phishing, isla.user, TODAY, "Due today")
    action(isla.ctx, phishing, isla.user, TODAY + dt.timedelta(days=7), "Due next week")
    assert reminders.overdue(acme, TODAY) == []
    report = reminders.notify_treatment(acme, TODAY)
    assert (report.emails, report.notices) == (0, 0)
    assert mail.outbox == [] and not TreatmentNotice.objects.exists()


def test_the_actions_of_a_closed_risk_are_not_reminded(late, phishing, isla, acme):
    assert reminders.overdue(acme, TODAY) == [late]
    risks.close_risk(isla.ctx, phishing, "The admin consoles were decommissioned.")
    assert reminders.overdue(acme, TODAY) == []
    assert reminders.notify_treatment(acme, TODAY).emails == 0 and mail.outbox == []


def test_only_the_organizations_own_actions(late, globex):
    report = reminders.notify_treatment(globex, TODAY)
    assert (report.emails, report.notices) == (0, 0) and mail.outbox == []
    everywhere = reminders.notify_treatment(today=TODAY)
    assert everywhere.emails == 2


def test_an_inactive_owner_is_not_written_to(late, acme, audrey, colin):
    audrey.user.is_active = False
    audrey.user.save(update_fields=["is_active"])
    report = reminders.notify_treatment(acme, TODAY)
    assert report.emails == 1 and [m.to for m in mail.outbox] == [[colin.user.email]]


@pytest.fixture
def smtp_down(monkeypatch):
    """The mail server refuses connections until ``undo()``."""

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("annexa.risks.services.treatment_reminders.send_mail", broken)
    return monkeypatch


def test_a_failed_send_is_retried_at_the_next_run(late, acme, smtp_down):
    report = reminders.notify_treatment(acme, TODAY)
    assert report.emails == 0 and len(report.failures) == 2
    assert "connection refused" in report.failures[0]
    assert not TreatmentNotice.objects.exists()  # rolled back, so the next run sends them
    smtp_down.undo()
    assert reminders.notify_treatment(acme, TODAY).emails == 2


def test_a_reminder_another_worker_just_sent_is_not_sent_again(late, acme, monkeypatch):
    """Two workers at the same moment: the one that loses the unique constraint sends
    nothing and reports no failure."""
    manager = TreatmentNotice.objects
    create = manager.bulk_create

    def after_the_other_worker(notices, *args, **kwargs):
        for notice in notices:  # the other worker's rows, written after this run looked
            TreatmentNotice.objects.create(
                organization=notice.organization,
                action=notice.action,
                recipient=notice.recipient,
                date=notice.date,
            )
        return create(notices, *args, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", after_the_other_worker)
    report = reminders.notify_treatment(acme, TODAY)
    assert (report.emails, report.notices, report.failures) == (0, 0, []) and mail.outbox == []


@pytest.fixture
def late_now(phishing, isla, audrey):
    """Overdue by the real clock (the job and the CLI use today)."""
    return action(isla.ctx, phishing, audrey.user, timezone.localdate() - dt.timedelta(days=2))


def test_it_is_a_periodic_job_of_the_worker(late_now):
    import sys

    from huey.contrib.djhuey import HUEY

    # The app registers it when Django starts (the worker discovers only ``tasks`` modules).
    assert "annexa.risks.treatment_tasks" in sys.modules

    from annexa.risks.treatment_tasks import notify_treatment

    due = dt.datetime(2026, 5, 4, 9, 30)  # hourly, at minute 30
    assert notify_treatment.name == "risks.notify_treatment"
    assert notify_treatment.name in {task.name for task in HUEY.read_periodic(due)}
    assert notify_treatment.name not in {t.name for t in HUEY.read_periodic(due.replace(minute=31))}
    notify_treatment()  # immediate mode: the job runs inline
    assert len(mail.outbox) == 2
    notify_treatment()
    assert len(mail.outbox) == 2
    assert notify_treatment.call_local() == 0  # nothing left to send today


def test_it_runs_from_the_cli(late_now):
    runner = CliRunner()
    first = runner.invoke(app, ["risks", "notify", "--org", "acme"])
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {"emails": 2, "notices": 2, "failures": []}
    assert "sent 2 e-mail(s)" in first.stderr
    again = runner.invoke(app, ["risks", "notify"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["emails"] == 0 and len(mail.outbox) == 2
    unknown = runner.invoke(app, ["risks", "notify", "--org", "nowhere"])
    assert unknown.exit_code == 1 and "nowhere" in unknown.stderr


def test_a_failed_send_makes_the_cli_fail(late_now, smtp_down):
    result = CliRunner().invoke(app, ["risks", "notify", "--org", "acme"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failures"] and "could not be sent" in result.stderr
