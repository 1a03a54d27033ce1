"""Reminders to reviewers of open access reviews that are nearly due or overdue.

From ``DAYS_BEFORE`` days before a campaign's due date, and every day once it is overdue, each
reviewer who still has undecided accounts in it gets one e-mail a day listing their campaigns
with the accounts left to decide. The send-once rule is the corrective actions' one
(``core.reminders.notify_once``): a ``ReviewNotice`` row per (campaign, reviewer, day), written
in the same transaction as the e-mail is sent. Reminders are communication, not review records:
their rows are their record, and the ledger is not filled with them.

The background job (``annexa.access.reminder_tasks``) and ``annexa access-review notify`` call
``notify_reviewers``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from annexa.access.choices import ReviewStatus
from annexa.access.models import AccessReview, ReviewItem, ReviewNotice
from annexa.core.reminders import notify_once

DAYS_BEFORE = 3


@dataclass
class NoticeReport:
    emails: int = 0
    notices: int = 0
    failures: list[str] = field(default_factory=list)


def due_soon(org, today: dt.date | None = None) -> list[AccessReview]:
    """The organization's open campaigns due within ``DAYS_BEFORE`` days or overdue."""
    today = today or timezone.localdate()
    return list(
        AccessReview.objects.for_org(org)
        .filter(status=ReviewStatus.OPEN, due_date__lte=today + dt.timedelta(days=DAYS_BEFORE))
        .order_by("due_date", "number")
    )


def notify_reviewers(org=None, today: dt.date | None = None) -> NoticeReport:
    """Send today's reminders (one organization, or all)."""
    from annexa.orgs.models import Organization, User

    today = today or timezone.localdate()
    orgs = [org] if org is not None else list(Organization.objects.order_by("pk"))
    report = NoticeReport()
    for organization in orgs:
        reviews = {r.pk: r for r in due_soon(organization, today)}
        if not reviews:
            continue
        left = (
            ReviewItem.objects.filter(review_id__in=list(reviews), decision="")
            .values("reviewer_id", "review_id")
            .annotate(n=Count("pk"))
        )
        by_person: dict[int, list[AccessReview]] = {}
        counts: dict[tuple[int, int], int] = {}
        for row in left:
            by_person.setdefault(row["reviewer_id"], []).append(reviews[row["review_id"]])
            counts[(row["reviewer_id"], row["review_id"])] = row["n"]
        people = User.objects.in_bulk(list(by_person))
        for pk, due in by_person.items():
            person = people.get(pk)
            if person is None or not person.email or not person.is_active:
                continue

            def send(org, person, due, today, counts=counts):
                _send(org, person, due, today, counts)

            notify_once(
                organization,
                person,
                sorted(due, key=lambda r: (r.due_date, r.number)),
                today,
                report,
                notice_model=ReviewNotice,
                send=send,
                what="access review reminder",
            )
    return report


def _send(org, person, reviews, today: dt.date, counts) -> None:
    total = sum(counts[(person.pk, r.pk)] for r in reviews)
    subject = f"[Annexa] {total} account{'s' if total != 1 else ''} to review in {org.name}"
    lines = [
        f"Hello {person.full_name or person.email},",
        "",
        f"You review these accounts of {org.name} and have not decided on them yet:",
        "",
    ]
    for review in reviews:
        n = counts[(person.pk, review.pk)]
        days = (review.due_date - today).days
        when = (
            f"overdue by {-days} day{'s' if days != -1 else ''}"
            if days < 0
            else "due today"
            if days == 0
            else f"due in {days} day{'s' if days != 1 else ''}"
        )
        path = reverse("access:detail", kwargs={"org": org.slug, "pk": review.pk})
        lines += [
            f"- {review.reference} {review.system}: {n} account{'s' if n != 1 else ''} "
            f"undecided, {when} ({review.due_date.isoformat()})",
            f"  {settings.BASE_URL.rstrip('/')}{path}?show=mine",
        ]
    lines += [
        "",
        "Keep or revoke each account, with a reason where one is asked for.",
        "You receive this reminder at most once a day for each review.",
    ]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [person.email])
