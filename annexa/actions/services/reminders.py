"""Overdue corrective actions: the list, the dashboard numbers, and the daily reminders.

An action is overdue when its work is not done (open or in progress) after its due date.
Reminders go by e-mail to the action's owner and to every ISMS manager, at most once a day for
each action and person: an ``OverdueNotice`` row per (action, recipient, day), unique in the
database, is written in the same transaction as the e-mail is sent, so a second run the same
day (or a second worker at the same time) sends nothing twice. A failed send rolls its rows
back, so the next run tries again. Reminders are communication, not audit data: their rows
are their record, and the ledger is not filled with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from annexa.actions.choices import NOT_DONE, UNRESOLVED
from annexa.actions.models import CorrectiveAction, OverdueNotice
from annexa.core.reminders import notify_once

DUE_SOON_DAYS = 14


def overdue(org, today: dt.date | None = None) -> QuerySet[CorrectiveAction]:
    """The organization's overdue actions, most overdue first."""
    today = today or timezone.localdate()
    return (
        CorrectiveAction.objects.for_org(org)
        .filter(status__in=NOT_DONE, due_date__lt=today)
        .select_related("owner", "finding")
        .order_by("due_date", "number")
    )


def summary(org, today: dt.date | None = None) -> dict[str, int]:
    """Counts for the dashboard: unresolved, overdue and soon-due actions, open findings."""
    from annexa.findings.choices import NONCONFORMITIES
    from annexa.findings.choices import UNRESOLVED as OPEN_FINDINGS
    from annexa.findings.models import Finding

    today = today or timezone.localdate()
    actions = CorrectiveAction.objects.for_org(org)
    not_done = actions.filter(status__in=NOT_DONE)
    findings = Finding.objects.for_org(org).filter(status__in=OPEN_FINDINGS)
    return {
        "unresolved": actions.filter(status__in=UNRESOLVED).count(),
        "overdue": not_done.filter(due_date__lt=today).count(),
        "due_soon": not_done.filter(
            due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        ).count(),
        "findings_unresolved": findings.count(),
        "nonconformities_unresolved": findings.filter(grade__in=NONCONFORMITIES).count(),
    }


@dataclass
class NoticeReport:
    """What one run sent: e-mails, and the (action, recipient) notices they carried."""

    emails: int = 0
    notices: int = 0
    failures: list[str] = field(default_factory=list)


def recipients(action: CorrectiveAction, managers: list) -> list:
    """The owner, then every ISMS manager (each person once)."""
    people = [action.owner, *managers]
    seen, result = set(), []
    for person in people:
        if person.pk not in seen and person.email:
            seen.add(person.pk)
            result.append(person)
    return result


def _managers(org) -> list:
    from annexa.orgs.choices import Role
    from annexa.orgs.models import User

    return list(
        User.objects.filter(
            memberships__organization=org, memberships__role=Role.ISMS_MANAGER, is_active=True
        ).order_by("email")
    )


def notify_overdue(org=None, today: dt.date | None = None) -> NoticeReport:
    """Send today's reminders about overdue actions (one organization, or all of them)."""
    from annexa.orgs.models import Organization

    today = today or timezone.localdate()
    orgs = [org] if org is not None else list(Organization.objects.order_by("pk"))
    report = NoticeReport()
    for organization in orgs:
        _notify_org(organization, today, report)
    return report


def _notify_org(org, today: dt.date, report: NoticeReport) -> None:
    managers = _managers(org)
    by_person: dict[int, tuple[object, list[CorrectiveAction]]] = {}
    for action in overdue(org, today):
        for person in recipients(action, managers):
            by_person.setdefault(person.pk, (person, []))[1].append(action)
    for person, actions in by_person.values():
        _notify_person(org, person, actions, today, report)


def _notify_person(org, person, actions: list[CorrectiveAction], today, report) -> None:
    notify_once(
        org,
        person,
        actions,
        today,
        report,
        notice_model=OverdueNotice,
        send=_send,
        what="overdue reminder",
    )


def _send(org, person, actions: list[CorrectiveAction], today: dt.date) -> None:
    count = len(actions)
    subject = f"[Annexa] {count} overdue corrective action{'s' if count != 1 else ''} in {org.name}"
    send_mail(
        subject, _body(org, person, actions, today), settings.DEFAULT_FROM_EMAIL, [person.email]
    )


def _body(org, person, actions: list[CorrectiveAction], today: dt.date) -> str:
    lines = [
        f"Hello {person.full_name or person.email},",
        "",
        f"These corrective actions of {org.name} are past their due date:",
        "",
    ]
    for action in actions:
        days = action.days_overdue(today)
        path = reverse("actions:detail", kwargs={"org": org.slug, "pk": action.pk})
        lines += [
            f"- {action.reference} {action.title}",
            f"  owner {action.owner.email}, due {action.due_date.isoformat()} "
            f"({days} day{'s' if days != 1 else ''} overdue), "
            f"{action.get_status_display().lower()}",
            f"  {settings.BASE_URL.rstrip('/')}{path}",
        ]
    lines += [
        "",
        "Please finish the work, or agree a new due date and record it on the action.",
        "You receive this reminder at most once a day for each action.",
    ]
    return "\n".join(lines)
