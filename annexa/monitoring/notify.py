"""Telling people that a control stopped functioning (or works again): e-mail and webhook.

A status change that deserves a message gets one ``Notification`` row per channel and
recipient (the outbox, written in the transaction that records the change); after commit a
background job delivers each row with ``deliver``, which records every attempt.

The webhook is a ``POST`` of a JSON document to the organization's URL, signed with
HMAC-SHA256 and the organization's webhook secret over ``<timestamp>.<body>`` (the timestamp
header's digits, a dot, the exact bytes of the body), so a captured delivery cannot be replayed
later with a fresh timestamp:

- ``X-Annexa-Signature: sha256=<hex digest>``,
- ``X-Annexa-Timestamp``: seconds since the epoch of the attempt; receivers refuse deliveries
  whose timestamp is more than a few minutes away from their clock (the body carries the
  event's own time),
- ``X-Annexa-Event``: the event type, ``X-Annexa-Delivery``: the event id (the status
  change's uid, the same on every retry, so a receiver can drop duplicates).

The URL goes through ``annexa.connectors.netguard`` on every attempt and redirect: private,
loopback, link-local and metadata addresses are refused unless an administrator allows them
(``ANNEXA_OUTBOUND_ALLOW``). A refusal is recorded and never retried; network errors, 429 and
5xx answers are retried with growing delays, other answers are final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from annexa.connectors import netguard
from annexa.connectors import secrets as sealing
from annexa.monitoring import loader
from annexa.monitoring.choices import Channel, DeliveryStatus, NotificationEvent, ResultStatus
from annexa.monitoring.models import ControlStatusChange, Notification, TestResult

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 10.0
MAX_RESOURCES = 20
SIGNATURE_HEADER = "X-Annexa-Signature"
TIMESTAMP_HEADER = "X-Annexa-Timestamp"
EVENT_HEADER = "X-Annexa-Event"
DELIVERY_HEADER = "X-Annexa-Delivery"
USER_AGENT = "Annexa-Webhook/1"


class DeliveryFailed(Exception):
    """An attempt failed in a way worth retrying (the job queue tries again later)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value of a delivery sent at ``timestamp``: ``sha256=`` and the
    HMAC-SHA256 hex digest of ``f"{timestamp}.".encode() + body``."""
    signed = f"{int(timestamp)}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def control_url(org_slug: str, control_id: str) -> str:
    path = reverse("monitoring:control", kwargs={"org": org_slug, "control_id": control_id})
    return f"{settings.BASE_URL.rstrip('/')}{path}"


# --- what happened -------------------------------------------------------------------------


@dataclass(frozen=True)
class FailingTest:
    """A test whose latest result on one system fails the control."""

    test_id: str
    title: str
    stream: str
    reason: str
    resources: list[str]
    failing_count: int
    observed_at: str


def failing_tests(org, control_id: str) -> list[FailingTest]:
    """The latest failing results of the tests that speak for ``control_id``."""
    tests = {cls.id: cls for cls in loader.tests_for_control(control_id)}
    rows = (
        TestResult.objects.for_org(org)
        .filter(is_latest=True, status=ResultStatus.FAIL, test_id__in=list(tests))
        .order_by("test_id", "stream")
    )
    return [
        FailingTest(
            test_id=row.test_id,
            title=tests[row.test_id].title,
            stream=row.stream,
            reason=row.reason,
            resources=[str(r) for r in row.resources[:MAX_RESOURCES]],
            failing_count=row.failing_count,
            observed_at=row.observed_at.isoformat(),
        )
        for row in rows
        if control_id in row.control_ids
    ]


def payload(change: ControlStatusChange, event: str) -> dict[str, Any]:
    """The webhook document of one status change (also the facts of its e-mail)."""
    org = change.organization
    control = change.control
    tests = (
        failing_tests(org, control.id) if event == NotificationEvent.NO_LONGER_FUNCTIONING else []
    )
    return {
        "id": str(change.uid),
        "type": event,
        "timestamp": change.at.isoformat(),
        "organization": org.slug,
        "control": {
            "id": control.id,
            "title": control.title,
            "url": control_url(org.slug, control.id),
        },
        "previous_status": change.previous,
        "status": change.status,
        "reason": change.reason,
        "tests": [
            {
                "id": t.test_id,
                "title": t.title,
                "system": t.stream,
                "reason": t.reason,
                "failing_resources": t.resources,
                "failing_count": t.failing_count,
                "observed_at": t.observed_at,
            }
            for t in tests
        ],
    }


def message(document: dict[str, Any], org_name: str) -> tuple[str, str]:
    """Subject and plain-text body of the e-mail for one webhook ``document``."""
    control = document["control"]
    name = f"{control['id']} {control['title']}"
    if document["type"] == NotificationEvent.RECOVERED:
        subject = f"[Annexa] {name} passes again ({org_name})"
        lines = [
            f"The automated tests of {name} pass again (it was {document['previous_status']}).",
            "",
            control["url"],
        ]
        return subject, "\n".join(lines) + "\n"
    subject = f"[Annexa] {name} is no longer functioning ({org_name})"
    lines = [
        f"Control {name} was passing its automated tests and now fails them.",
        f"Detected: {document['timestamp']} ({document['reason']}).",
        "",
        "Failing tests:" if document["tests"] else "No failing test is on record any more.",
    ]
    for test in document["tests"]:
        lines.append(f"- {test['id']} ({test['title']}) on {test['system']}")
        lines.append(f"  Why: {test['reason']}")
        if test["failing_resources"]:
            more = test["failing_count"] - len(test["failing_resources"])
            shown = ", ".join(test["failing_resources"])
            lines.append(f"  Failing: {shown}" + (f" and {more} more" if more > 0 else ""))
    lines += [
        "",
        f"Open the control: {control['url']}",
        "",
        "You receive this because you own the control or manage the ISMS of "
        f"{org_name}. The monitoring settings of the organization say who is told, and how.",
    ]
    return subject, "\n".join(lines) + "\n"


# --- delivering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try: delivered, or why not and whether trying again may help."""

    ok: bool
    code: int | None = None
    error: str = ""
    retry: bool = False


def _claim(notification: Notification) -> bool:
    """Count one attempt of a pending delivery; False if it is no longer pending (another
    worker took it, or it is done)."""
    claimed = Notification.objects.filter(
        pk=notification.pk, status=DeliveryStatus.PENDING, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    notification.refresh_from_db()
    return claimed == 1


def _record(notification: Notification, status: str, attempt: Attempt) -> None:
    notification.status = status
    notification.response_code = attempt.code
    notification.error = attempt.error[:2000]
    if status == DeliveryStatus.SENT:
        notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "response_code", "error", "sent_at"])


def deliver(pk: int) -> str:
    """Attempt one pending delivery and record the outcome; returns its status.

    Raises ``DeliveryFailed`` when the attempt failed but a later one may succeed: the row
    stays pending (the job queue retries with growing delays) until ``MAX_ATTEMPTS``, then
    it is failed.
    """
    notification = (
        Notification.objects.select_related("organization", "change__control").filter(pk=pk).first()
    )
    if notification is None:
        return "gone"
    if not _claim(notification):
        return notification.status
    try:
        if notification.channel == Channel.EMAIL:
            attempt = _send_email(notification)
        else:
            attempt = _post_webhook(notification)
    except netguard.OutboundRefused as exc:
        _record(notification, DeliveryStatus.REFUSED, Attempt(ok=False, error=str(exc)))
        logger.warning("webhook of %s refused: %s", notification.organization.slug, exc)
        return notification.status
    except sealing.SecretError as exc:
        attempt = Attempt(ok=False, error=f"the webhook secret does not open: {exc}")
    except (httpx.HTTPError, OSError) as exc:  # smtplib errors are OSErrors
        attempt = Attempt(ok=False, error=str(exc) or type(exc).__name__, retry=True)
    if attempt.ok:
        _record(notification, DeliveryStatus.SENT, attempt)
        return notification.status
    again = attempt.retry and notification.attempts < MAX_ATTEMPTS
    _record(notification, DeliveryStatus.PENDING if again else DeliveryStatus.FAILED, attempt)
    logger.warning(
        "%s notification %s, attempt %s: %s",
        notification.channel,
        notification.pk,
        notification.attempts,
        attempt.error,
    )
    if again:
        raise DeliveryFailed(attempt.error)
    return notification.status


def _send_email(notification: Notification) -> Attempt:
    document = payload(notification.change, notification.event)
    subject, body = message(document, notification.organization.name)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient]).send()
    return Attempt(ok=True)


def _post_webhook(notification: Notification) -> Attempt:
    from annexa.monitoring.services.notifications import webhook_secret

    secret = webhook_secret(notification.organization)
    document = payload(notification.change, notification.event)
    body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: document["type"],
        DELIVERY_HEADER: document["id"],
    }
    with netguard.guarded_client(timeout=TIMEOUT_SECONDS) as client:
        response = client.post(
            notification.recipient, content=body, headers=headers, follow_redirects=False
        )
    code = response.status_code
    if 200 <= code < 300:
        return Attempt(ok=True, code=code)
    retry = code == 429 or code >= 500
    return Attempt(ok=False, code=code, error=f"the receiver answered {code}", retry=retry)
