"""Review and acknowledgement reminders go once per threshold."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from annexa.documents.models import Document
from annexa.documents.services import campaigns, reminders

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


def test_review_reminders_once_per_threshold(approved, policy, isla):
    assert reminders.notify(policy.organization).emails == 0  # a year away
    Document.objects.filter(pk=policy.pk).update(next_review=_today() + dt.timedelta(days=20))
    report = reminders.notify(policy.organization)
    assert report.emails == 1
    assert mail.outbox[0].to == [isla.user.email]
    assert "Review of DOC-001" in mail.outbox[0].subject
    assert reminders.notify(policy.organization).emails == 0  # same threshold: not again
    later = _today() + dt.timedelta(days=25)
    assert reminders.notify(policy.organization, later).emails == 1  # now overdue
    assert reminders.notify(policy.organization, later).emails == 0
    assert "was due" in mail.outbox[1].body


def test_acknowledgement_reminders_once_per_threshold(approved, policy, isla, staff):
    campaigns.launch(isla.ctx, policy, due_date=_today() + dt.timedelta(days=20), scope="all")
    # Ann and Audrey have addresses; Sam has none.
    assert reminders.notify(policy.organization).emails == 2
    assert reminders.notify(policy.organization).emails == 0
    ann = policy.campaigns.get().acknowledgements.get(person=staff["ann"])
    campaigns.acknowledge(isla.ctx, ann)
    soon = _today() + dt.timedelta(days=15)
    assert reminders.notify(policy.organization, soon).emails == 1  # Audrey: due soon
    assert reminders.notify(policy.organization, _today() + dt.timedelta(days=21)).emails == 1
    assert {m.to[0] for m in mail.outbox} == {"ann@acme.test", "audrey@acme.test"}


def test_a_failed_send_is_tried_again(approved, policy, isla, monkeypatch):
    Document.objects.filter(pk=policy.pk).update(next_review=_today() - dt.timedelta(days=2))

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    report = reminders.notify(policy.organization)
    assert report.emails == 0 and report.failures
    monkeypatch.undo()
    assert reminders.notify(policy.organization).emails == 1


def test_without_an_owner_the_isms_managers_are_reminded(approved, policy, isla, alice):
    from annexa.documents.services import register

    register.update_document(alice.ctx, policy, {"owner": None})
    Document.objects.filter(pk=policy.pk).update(next_review=_today() - dt.timedelta(days=1))
    assert reminders.notify(policy.organization).emails == 1
    assert mail.outbox[-1].to == [isla.user.email]
