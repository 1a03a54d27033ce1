"""Reminders to reviewers of open access reviews nearly due or overdue: once a day each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from typer.testing import CliRunner

from annexa.access import reminders, services
from annexa.access.models import ReviewNotice
from annexa.access.tests.conftest import item
from annexa.cli.main import app

pytestmark = pytest.mark.django_db


def test_reviewers_with_undecided_accounts_are_reminded_once_a_day(review, colin, acme):
    early = review.due_date - dt.timedelta(days=reminders.DAYS_BEFORE + 1)
    assert reminders.notify_reviewers(acme, early).emails == 0
    report = reminders.notify_reviewers(acme, review.due_date + dt.timedelta(days=2))
    assert report.emails == 1 and report.notices == 1
    message = mail.outbox[-1]
    assert message.to == ["colin@acme.test"]
    assert "4 accounts to review" in message.subject
    assert "AR-001 Payroll: 4 accounts undecided, overdue by 2 days" in message.body
    again = reminders.notify_reviewers(acme, review.due_date + dt.timedelta(days=2))
    assert again.emails == 0 and ReviewNotice.objects.count() == 1
    for username, reason in (("pat", ""), ("admin", "Break-glass"), ("lee", "Left")):
        services.decide(
            colin.ctx, item(review, username), "keep" if username != "lee" else "revoke",
            reason=reason,
        )  # fmt: skip
    services.decide(colin.ctx, item(review, "colin"), "keep", justification="Cover")
    assert reminders.notify_reviewers(acme, review.due_date + dt.timedelta(days=3)).emails == 0


def test_the_command(review):
    result = CliRunner().invoke(
        app, ["access-review", "notify", "--org", "acme"], catch_exceptions=False
    )
    assert result.exit_code == 0 and "e-mail(s) sent" in result.stderr
