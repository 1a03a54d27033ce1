"""Review and acknowledgement reminders by e-mail, each sent once per threshold.

Reviews: an approved document whose next review is within ``REVIEW_SOON_DAYS`` (``due_soon``)
or past (``overdue``) is reminded to its owner — or, with no owner, to the ISMS managers —
once per threshold and review date: a ``ReviewNotice`` row (unique in the database) is written
in the same transaction as the e-mail is sent, so a second run, or a second worker, sends
nothing twice, and a failed send leaves no row (the next run tries again). A new review date
(after approval or a confirmed review) starts the thresholds over.

Acknowledgements: each person of an open campaign who has not confirmed yet and has an e-mail
address is asked once when the campaign is open (``open``), once within
``ACK_SOON_DAYS`` of its due date (``due_soon``) and once after it (``overdue``), with an
``AckNotice`` per acknowledgement and threshold.

The background job (``annexa.documents.tasks``) and ``annexa documents notify`` call
``notify``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from annexa.documents.choices import DocumentStatus, Threshold
from annexa.documents.models import AckNotice, Acknowledgement, Document, ReviewNotice

logger = logging.getLogger(__name__)

REVIEW_SOON_DAYS = 30
ACK_SOON_DAYS = 7


@dataclass
class ReminderReport:
    emails: int = 0
    failures: list[str] = field(default_factory=list)


def review_threshold(document: Document, today: dt.date) -> str | None:
    if document.status != DocumentStatus.APPROVED or document.next_review is None:
        return None
    if document.next_review < today:
        return Threshold.OVERDUE
    if document.next_review <= today + dt.timedelta(days=REVIEW_SOON_DAYS):
        return Threshold.DUE_SOON
    return None


def ack_threshold(ack: Acknowledgement, today: dt.date) -> str:
    due = ack.campaign.due_date
    if due < today:
        return Threshold.OVERDUE
    if due <= today + dt.timedelta(days=ACK_SOON_DAYS):
        return Threshold.DUE_SOON
    return Threshold.OPEN


def notify(org=None, today: dt.date | None = None) -> ReminderReport:
    """Send the reminders due now (one organization, or all of them)."""
    from annexa.orgs.models import Organization

    today = today or timezone.localdate()
    report = ReminderReport()
    for organization in [org] if org is not None else Organization.objects.order_by("pk"):
        _reviews(organization, today, report)
        _acknowledgements(organization, today, report)
    return report


def _managers(org) -> list:
    from annexa.risks.services.supplier_reminders import managers_of

    return managers_of(org)


def _reviews(org, today: dt.date, report: ReminderReport) -> None:
    documents = (
        Document.objects.for_org(org)
        .filter(
            status=DocumentStatus.APPROVED,
            next_review__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS),
        )
        .select_related("owner")
    )
    managers = None
    for document in documents.order_by("next_review", "number"):
        threshold = review_threshold(document, today)
        if threshold is None:
            continue
        if document.owner_id and document.owner.is_active and document.owner.email:
            recipients = [document.owner]
        else:
            managers = _managers(org) if managers is None else managers
            recipients = managers
        for user in recipients:
            _once(
                lambda d=document, u=user, t=threshold: ReviewNotice.objects.create(
                    organization=org,
                    document=d,
                    recipient=u,
                    due_date=d.next_review,
                    threshold=t,
                ),
                lambda d=document, u=user, t=threshold: _send_review(org, d, u, t, today),
                user.email,
                report,
            )


def _acknowledgements(org, today: dt.date, report: ReminderReport) -> None:
    pending = (
        Acknowledgement.objects.for_org(org)
        .filter(
            campaign__closed_at__isnull=True,
            acknowledged_on__isnull=True,
        )
        .exclude(person__email="")
        .select_related("person", "campaign__document", "campaign__document_version")
    )
    for ack in pending.order_by("campaign__number", "person__name"):
        threshold = ack_threshold(ack, today)
        _once(
            lambda a=ack, t=threshold: AckNotice.objects.create(
                organization=org, acknowledgement=a, threshold=t
            ),
            lambda a=ack, t=threshold: _send_ack(org, a, t, today),
            ack.person.email,
            report,
        )


def _once(write, send, address: str, report: ReminderReport) -> None:
    """Write the notice row and send in one transaction: a notice already written (by an
    earlier run or another worker) means nothing is sent; a failed send writes nothing."""
    try:
        with transaction.atomic():
            write()
            send()
    except IntegrityError:
        return
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
        logger.error("document reminder to %s failed: %s", address, exc)
        report.failures.append(f"{address}: {exc}")
        return
    report.emails += 1


def _link(org, name: str, **kwargs) -> str:
    path = reverse(name, kwargs={"org": org.slug, **kwargs})
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def _send_review(org, document: Document, user, threshold: str, today: dt.date) -> None:
    days = (document.next_review - today).days
    when = (
        f"was due on {document.next_review} ({-days} day{'s' if days != -1 else ''} ago)"
        if threshold == Threshold.OVERDUE
        else f"is due on {document.next_review} (in {days} day{'s' if days != 1 else ''})"
    )
    subject = f"[Annexa] Review of {document.reference} {document.title} {when.split(' (')[0]}"
    body = "\n".join(
        [
            f"Hello {user.full_name or user.email},",
            "",
            f"The review of {document.reference} {document.title} ({org.name}) {when}.",
            "Read it again: if it still holds, confirm the review on its page; otherwise draft "
            "the next version and send it for approval.",
            "",
            _link(org, "documents:detail", pk=document.pk),
            "",
            "You receive this reminder once a month before the review date and once when it "
            "has passed.",
        ]
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _send_ack(org, ack: Acknowledgement, threshold: str, today: dt.date) -> None:
    campaign = ack.campaign
    document = campaign.document
    label = campaign.document_version.label
    if threshold == Threshold.OVERDUE:
        ask = f"Please confirm it now: it was due on {campaign.due_date}."
    else:
        ask = f"Please read it and confirm by {campaign.due_date}."
    subject = f"[Annexa] Please read {document.reference} {document.title} (version {label})"
    body = "\n".join(
        [
            f"Hello {ack.person.name},",
            "",
            f"{org.name} asks you to read {document.reference} {document.title}, version "
            f"{label}. {ask}",
            "",
            "Members of Annexa confirm on the document's page; anyone else tells the ISMS "
            "manager, who records it.",
            _link(org, "documents:detail", pk=document.pk),
        ]
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [ack.person.email])
