"""Supplier reminders: expiring and expired certificates and overdue reviews are e-mailed to the
supplier's owner and the ISMS managers, once a week for each supplier, matter and person, with
what was sent recorded in the ledger; the background job and the CLI send them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger.models import LedgerEntry
from annexa.risks.services import supplier_reminders as reminders
from annexa.risks.services import suppliers

MONDAY = dt.date(2026, 5, 4)  # ISO week 2026-W19


def supplier(ctx, name: str, *, owner=None, expires=None, review=None, today=MONDAY):
    """A supplier in use, with an ISO/IEC 27001 certificate expiring on ``expires``."""
    made = suppliers.create_supplier(
        ctx,
        {
            "name": name,
            "service": "Hosting",
            "criticality": "high",
            "owner": owner,
            "review_date": review,
        },
    )
    if expires is not None:
        suppliers.record_assessment(
            ctx,
            made,
            {
                "kind": "iso27001",
                "assessed_on": min(today, timezone.localdate()) - dt.timedelta(days=700),
                "expires_on": expires,
                "result": "satisfactory",
            },
        )
    return made


@pytest.fixture
def expired(isla, colin):
    """Colin's supplier: its certificate expired last week and its review is overdue."""
    return supplier(
        isla.ctx,
        "Old Cloud",
        owner=colin.user,
        expires=MONDAY - dt.timedelta(days=6),
        review=MONDAY - dt.timedelta(days=2),
    )


def test_the_owner_and_the_managers_are_reminded_once_a_week(expired, colin, isla, alice):
    first = reminders.notify_suppliers(expired.organization, MONDAY)
    assert (first.emails, first.reminders) == (2, 4)  # two people, two matters each
    assert sorted(m.to[0] for m in mail.outbox) == [colin.user.email, isla.user.email]
    message = next(m for m in mail.outbox if m.to == [colin.user.email])
    assert message.subject == "[Annexa] 1 supplier to follow up in Acme Ltd"
    assert f"{expired.reference} Old Cloud (high criticality, owner colin@acme.test)" in (
        message.body
    )
    assert f"ISO/IEC 27001 certificate expired {MONDAY - dt.timedelta(days=6)}" in message.body
    assert "(2 days overdue)" in message.body
    assert f"/o/acme/suppliers/{expired.pk}/" in message.body
    # Later the same week: nothing again.
    again = reminders.notify_suppliers(expired.organization, MONDAY + dt.timedelta(days=4))
    assert (again.emails, again.reminders) == (0, 0) and len(mail.outbox) == 2
    # What was sent is in the ledger, one entry per matter and person.
    entries = LedgerEntry.objects.filter(object_type="supplier_reminder")
    assert entries.count() == 4 and {e.actor for e in entries} == {"system"}
    assert {
        (e.data_value["condition"], e.data_value["recipient"], e.data_value["period"])
        for e in entries
    } == {
        (condition, email, "2026-W19")
        for condition in ("certificate_expired", "review_overdue")
        for email in (colin.user.email, isla.user.email)
    }
    # The next week, again.
    next_week = reminders.notify_suppliers(expired.organization, MONDAY + dt.timedelta(days=7))
    assert next_week.emails == 2 and len(mail.outbox) == 4


def test_a_persons_suppliers_come_in_one_email(expired, isla, acme):
    supplier(isla.ctx, "Soon Hosting", expires=MONDAY + dt.timedelta(days=12))
    supplier(isla.ctx, "Good Mail", expires=MONDAY + dt.timedelta(days=300))
    report = reminders.notify_suppliers(acme, MONDAY)
    assert (report.emails, report.reminders) == (2, 5)  # Colin: Old Cloud ×2; Isla: 3
    to_isla = next(m for m in mail.outbox if m.to == [isla.user.email])
    assert to_isla.subject == "[Annexa] 2 suppliers to follow up in Acme Ltd"
    assert "Soon Hosting" in to_isla.body and "expires" in to_isla.body
    assert f"expires {MONDAY + dt.timedelta(days=12)} (in 12 days)" in to_isla.body
    assert "Good Mail" not in to_isla.body


@pytest.fixture
def expired_no_manager(colin, alice):
    """Colin's supplier, expired and overdue, in an organization without an ISMS manager."""
    return supplier(
        alice.ctx,
        "Old Cloud",
        owner=colin.user,
        expires=MONDAY - dt.timedelta(days=6),
        review=MONDAY - dt.timedelta(days=2),
    )


def test_a_manager_who_joins_later_is_reminded_too(expired_no_manager, acme):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    assert reminders.notify_suppliers(acme, MONDAY).emails == 1  # Colin: no manager yet
    ines = make_persona(acme, "ines@acme.test", Role.ISMS_MANAGER, "Ines New")
    report = reminders.notify_suppliers(acme, MONDAY)
    assert (report.emails, report.reminders) == (1, 2) and mail.outbox[-1].to == [ines.user.email]
    assert reminders.notify_suppliers(acme, MONDAY).emails == 0


def test_retired_suppliers_and_settled_matters_are_not_reminded(expired, isla, acme):
    suppliers.record_assessment(
        isla.ctx,
        expired,
        {
            "kind": "iso27001",
            "assessed_on": timezone.localdate(),
            "expires_on": MONDAY + dt.timedelta(days=400),
            "result": "satisfactory",
            "next_review": MONDAY + dt.timedelta(days=100),
        },
    )
    assert reminders.notify_suppliers(acme, MONDAY).emails == 0
    overdue = supplier(isla.ctx, "Gone Ltd", review=MONDAY - dt.timedelta(days=30))
    suppliers.retire_supplier(isla.ctx, overdue, "Contract ended.")
    assert reminders.notify_suppliers(acme, MONDAY).emails == 0 and mail.outbox == []


def test_a_failed_send_is_retried_at_the_next_run(expired, acme, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("annexa.risks.services.supplier_reminders.send_mail", broken)
    report = reminders.notify_suppliers(acme, MONDAY)
    assert report.emails == 0 and len(report.failures) == 2
    assert not LedgerEntry.objects.filter(object_type="supplier_reminder").exists()
    monkeypatch.undo()
    assert reminders.notify_suppliers(acme, MONDAY).emails == 2


@pytest.fixture
def expired_now(isla, colin):
    """Overdue by the real clock (the job and the CLI use today)."""
    today = timezone.localdate()
    return supplier(isla.ctx, "Old Cloud", owner=colin.user, review=today - dt.timedelta(days=1))


def test_it_is_a_periodic_job_of_the_worker(expired_now):
    import sys

    from huey.contrib.djhuey import HUEY

    # The app registers it when Django starts (the worker discovers only ``tasks`` modules).
    assert "annexa.risks.supplier_tasks" in sys.modules

    from annexa.risks.supplier_tasks import notify_suppliers

    due = dt.datetime(2026, 5, 4, 9, 40)  # hourly, at minute 40
    assert notify_suppliers.name in {task.name for task in HUEY.read_periodic(due)}
    assert notify_suppliers.name not in {t.name for t in HUEY.read_periodic(due.replace(minute=41))}
    notify_suppliers()  # immediate mode: the job runs inline
    assert len(mail.outbox) == 2
    notify_suppliers()
    assert len(mail.outbox) == 2
    assert notify_suppliers.call_local() == 0  # nothing left to send this week


def test_it_runs_from_the_cli(expired_now):
    runner = CliRunner()
    first = runner.invoke(app, ["suppliers", "notify", "--org", "acme"])
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {"emails": 2, "reminders": 2, "failures": []}
    again = runner.invoke(app, ["suppliers", "notify"])
    assert json.loads(again.stdout)["emails"] == 0 and len(mail.outbox) == 2
    unknown = runner.invoke(app, ["suppliers", "notify", "--org", "nowhere"])
    assert unknown.exit_code == 1 and "nowhere" in unknown.stderr
