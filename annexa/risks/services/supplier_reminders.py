"""Supplier reminders: expiring or expired certificates and overdue reviews, by e-mail.

The background job (``annexa.risks.supplier_tasks``) and ``annexa suppliers notify`` call
``notify_suppliers``. Each supplier in use that needs attention is one *item* per condition:

- ``certificate_expiring``: its latest certificate expires within ``EXPIRY_WARNING_DAYS``;
- ``certificate_expired``: its latest certificate has expired;
- ``review_overdue``: its review date has passed.

Reminders go to the supplier's owner and every ISMS manager (as the corrective actions'
overdue reminders do), one e-mail per person listing their items, at most once a week (an ISO
week, ``period_of``) for each supplier, condition and person.

What was sent is recorded in the ledger — there is no notice table in the risks app — as one
entry per item and person (object type ``supplier_reminder``, object id
``<supplier uid>:<condition>:<period>``, the recipient in its data), appended in the same
transaction as the e-mail is sent and read back before sending. The transaction first locks the
organization row, so a second run the same week, or a second worker at the same moment, sends
nothing twice; a failed send rolls its entries back, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger
from annexa.risks.models import Supplier
from annexa.risks.services.common import lock_org
from annexa.risks.services.suppliers import (
    EXPIRY_WARNING_DAYS,
    CertificateStatus,
    certificates_due,
    overdue_reviews,
)

logger = logging.getLogger(__name__)

OBJECT_TYPE = "supplier_reminder"
EXPIRING, EXPIRED, REVIEW_OVERDUE = "certificate_expiring", "certificate_expired", "review_overdue"
CONDITIONS = (EXPIRING, EXPIRED, REVIEW_OVERDUE)


@dataclass(frozen=True)
class Item:
    """One supplier needing attention for one condition in one period."""

    supplier: Supplier
    condition: str
    period: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.supplier.uid}:{self.condition}:{self.period}"


@dataclass
class ReminderReport:
    """What one run sent: e-mails, and the (item, recipient) reminders they carried."""

    emails: int = 0
    reminders: int = 0
    failures: list[str] = field(default_factory=list)


def period_of(day: dt.date) -> str:
    """The reminder period ``day`` falls in: its ISO week, ``2026-W19``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def items(org, today: dt.date | None = None, days: int = EXPIRY_WARNING_DAYS) -> list[Item]:
    """Everything about ``org``'s suppliers that calls for a reminder now."""
    today = today or timezone.localdate()
    period = period_of(today)
    found: list[Item] = []
    for supplier, status in certificates_due(org, days, today):
        condition = EXPIRED if status.state == "expired" else EXPIRING
        found.append(Item(supplier, condition, period, _certificate_text(status)))
    for supplier in overdue_reviews(org, today):
        late = (today - supplier.review_date).days
        text = (
            f"Its review was due {supplier.review_date} ({late} day{'s' if late != 1 else ''} "
            "overdue): review the supplier and record the next review date."
        )
        found.append(Item(supplier, REVIEW_OVERDUE, period, text))
    return found


def _certificate_text(status: CertificateStatus) -> str:
    if status.state == "expired":
        return f"{status.text}: ask the supplier for the current one and record it."
    return f"{status.text}: ask the supplier for the renewed one in good time."


def recipients(supplier: Supplier, managers: list) -> list:
    """The supplier's owner, then every ISMS manager: each active person with an address,
    once."""
    people = ([supplier.owner] if supplier.owner_id else []) + managers
    return list({p.pk: p for p in people if p.email and p.is_active}.values())


def managers_of(org) -> list:
    """The organization's ISMS managers, by e-mail address."""
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership

    memberships = Membership.objects.filter(
        organization=org, role=Role.ISMS_MANAGER, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships.order_by("user__email")]


def notify_suppliers(org=None, today: dt.date | None = None) -> ReminderReport:
    """Send this period's supplier reminders (one organization, or all of them)."""
    from annexa.orgs.models import Organization

    today = today or timezone.localdate()
    orgs = [org] if org is not None else list(Organization.objects.order_by("pk"))
    report = ReminderReport()
    for organization in orgs:
        _notify_org(organization, today, report)
    return report


def _notify_org(org, today: dt.date, report: ReminderReport) -> None:
    due = items(org, today)
    if not due:
        return
    managers = managers_of(org)
    by_person: dict[int, tuple[object, list[Item]]] = {}
    for item in due:
        for person in recipients(item.supplier, managers):
            by_person.setdefault(person.pk, (person, []))[1].append(item)
    for person, person_items in by_person.values():
        _notify_person(org, person, person_items, report)


def sent(org, keys: list[str]) -> set[tuple[str, str]]:
    """The (item key, recipient e-mail) pairs the ledger says were reminded already."""
    from annexa.ledger.models import LedgerEntry

    entries = LedgerEntry.objects.filter(
        organization=org, object_type=OBJECT_TYPE, object_id__in=keys
    ).values_list("object_id", "data")
    return {(key, json.loads(data).get("recipient", "")) for key, data in entries}


def _notify_person(org, person, person_items: list[Item], report: ReminderReport) -> None:
    ctx = OrgContext.system(org)
    try:
        with transaction.atomic():
            lock_org(org)  # one run at a time per organization: none sends twice
            done = sent(org, [i.key for i in person_items])
            due = [i for i in person_items if (i.key, person.email) not in done]
            if not due:
                return
            for item in due:
                ledger.append(
                    ctx,
                    object_type=OBJECT_TYPE,
                    object_id=item.key,
                    action="sent",
                    data={
                        "supplier": item.supplier.reference,
                        "condition": item.condition,
                        "period": item.period,
                        "recipient": person.email,
                    },
                )
            _send(org, person, due)
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
        logger.error("supplier reminder to %s failed: %s", person.email, exc)
        report.failures.append(f"{person.email}: {exc}")
        return
    report.emails += 1
    report.reminders += len(due)


def _send(org, person, due: list[Item]) -> None:
    suppliers = {i.supplier.pk for i in due}
    count = len(suppliers)
    subject = f"[Annexa] {count} supplier{'s' if count != 1 else ''} to follow up in {org.name}"
    send_mail(subject, _body(org, person, due), settings.DEFAULT_FROM_EMAIL, [person.email])


def _body(org, person, due: list[Item]) -> str:
    lines = [
        f"Hello {person.full_name or person.email},",
        "",
        f"These suppliers of {org.name} need attention:",
        "",
    ]
    grouped: dict[int, list[Item]] = {}
    for item in due:
        grouped.setdefault(item.supplier.pk, []).append(item)
    for supplier_items in grouped.values():
        supplier = supplier_items[0].supplier
        owner = supplier.owner.email if supplier.owner_id else "no owner named"
        path = reverse("suppliers:detail", kwargs={"org": org.slug, "pk": supplier.pk})
        lines.append(
            f"- {supplier.reference} {supplier.name} "
            f"({supplier.get_criticality_display().lower()} criticality, owner {owner})"
        )
        lines += [f"  {item.text}" for item in supplier_items]
        lines.append(f"  {settings.BASE_URL.rstrip('/')}{path}")
    lines += [
        "",
        "You receive this reminder at most once a week for each supplier and matter.",
    ]
    return "\n".join(lines)
