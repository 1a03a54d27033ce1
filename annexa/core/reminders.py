"""Sending a daily reminder once: the person's notices (one row per item, recipient and day,
unique in the database) are written in the same transaction as the e-mail is sent, so a second
run the same day sends nothing, two workers never both send, and a failed send leaves no row
(the next run tries again). Used by the corrective actions' and the risk treatment actions'
overdue reminders."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

logger = logging.getLogger(__name__)


def notify_once(
    org,
    person,
    items: Sequence[Any],
    today: dt.date,
    report,
    *,
    notice_model,
    send: Callable[[Any, Any, list, dt.date], None],
    what: str,
) -> None:
    """Send ``person`` one reminder of the ``items`` not yet reminded today (``send(org,
    person, due, today)``), recording a ``notice_model(action=…, recipient=…, date=…)`` row
    each; ``report`` counts ``emails``, ``notices`` and ``failures``. ``what`` names the
    reminder in the log."""
    try:
        with transaction.atomic():
            sent = set(
                notice_model.objects.filter(
                    recipient=person, date=today, action__in=items
                ).values_list("action_id", flat=True)
            )
            due = [item for item in items if item.pk not in sent]
            if not due:
                return
            notice_model.objects.bulk_create(
                [
                    notice_model(organization=org, action=item, recipient=person, date=today)
                    for item in due
                ]
            )
            send(org, person, due, today)
    except IntegrityError:
        # Another worker sent this person's reminder at the same moment.
        return
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
        logger.error("%s to %s failed: %s", what, person.email, exc)
        report.failures.append(f"{person.email}: {exc}")
        return
    report.emails += 1
    report.notices += len(due)
