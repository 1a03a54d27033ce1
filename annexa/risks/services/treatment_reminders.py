"""Overdue risk treatment actions (8.3): daily e-mail reminders, as corrective actions have.

A treatment action is overdue when its work is not done (open or in progress) after its due
date; the actions of a closed risk are not followed up. Reminders go by e-mail to the action's
owner and, when it is someone else, to the risk's owner, at most once a day for each action and
person (the corrective actions' rule): a ``TreatmentNotice`` row per (action, recipient, day),
unique in the database, is written in the same transaction as the e-mail is sent, so a second
run the same day (or a second worker at the same moment) sends nothing twice. A failed send
rolls its rows back, so the next run tries again. Reminders are communication, not risk
records: their rows are their record, and the ledger is not filled with them.

The background job (``annexa.risks.treatment_tasks``) and ``annexa risks notify`` call
``notify_treatment``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from annexa.core.reminders import notify_once
from annexa.risks.choices import ACTION_NOT_DONE, OPEN_RISK
from annexa.risks.models import TreatmentAction, TreatmentNotice


@dataclass
class NoticeReport:
    """What one run sent: e-mails, and the (action, recipient) notices they carried."""

    emails: int = 0
    notices: int = 0
    failures: list[str] = field(default_factory=list)


def overdue(org, today: dt.date | None = None) -> list[TreatmentAction]:
    """The overdue treatment actions of the organization's risks that still apply, most
    overdue first."""
    today = today or timezone.localdate()
    return list(
        TreatmentAction.objects.for_org(org)
        .filter(status__in=ACTION_NOT_DONE, due_date__lt=today, risk__status__in=OPEN_RISK)
        .select_related("owner", "risk__owner")
        .order_by("due_date", "number")
    )


def recipients(action: TreatmentAction) -> list:
    """The action's owner, then the risk's owner: each active person with an address, once."""
    people = [action.owner, action.risk.owner]
    return list({p.pk: p for p in people if p.email and p.is_active}.values())


def notify_treatment(org=None, today: dt.date | None = None) -> NoticeReport:
    """Send today's reminders about overdue treatment actions (one organization, or all)."""
    from annexa.orgs.models import Organization

    today = today or timezone.localdate()
    orgs = [org] if org is not None else list(Organization.objects.order_by("pk"))
    report = NoticeReport()
    for organization in orgs:
        _notify_org(organization, today, report)
    return report


def _notify_org(org, today: dt.date, report: NoticeReport) -> None:
    by_person: dict[int, tuple[object, list[TreatmentAction]]] = {}
    for action in overdue(org, today):
        for person in recipients(action):
            by_person.setdefault(person.pk, (person, []))[1].append(action)
    for person, actions in by_person.values():
        _notify_person(org, person, actions, today, report)


def _notify_person(org, person, actions: list[TreatmentAction], today, report) -> None:
    notify_once(
        org,
        person,
        actions,
        today,
        report,
        notice_model=TreatmentNotice,
        send=_send,
        what="treatment action reminder",
    )


def _send(org, person, actions: list[TreatmentAction], today: dt.date) -> None:
    count = len(actions)
    subject = (
        f"[Annexa] {count} overdue risk treatment action{'s' if count != 1 else ''} in {org.name}"
    )
    send_mail(
        subject, _body(org, person, actions, today), settings.DEFAULT_FROM_EMAIL, [person.email]
    )


def _body(org, person, actions: list[TreatmentAction], today: dt.date) -> str:
    lines = [
        f"Hello {person.full_name or person.email},",
        "",
        f"These risk treatment actions of {org.name} are past their due date:",
        "",
    ]
    for action in actions:
        risk = action.risk
        days = (today - action.due_date).days
        path = reverse("risks:detail", kwargs={"org": org.slug, "pk": risk.pk})
        lines += [
            f"- {action.reference} {action.title}",
            f"  treats risk {risk.reference} {risk.title} (risk owner {risk.owner.email})",
            f"  owner {action.owner.email}, due {action.due_date.isoformat()} "
            f"({days} day{'s' if days != 1 else ''} overdue), "
            f"{action.get_status_display().lower()}",
            f"  {settings.BASE_URL.rstrip('/')}{path}",
        ]
    lines += [
        "",
        "Please finish the work, or agree a new due date with the risk owner and record it on "
        "the risk's treatment plan.",
        "You receive this reminder at most once a day for each action.",
    ]
    return "\n".join(lines)
