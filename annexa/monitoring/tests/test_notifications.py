"""A control that stops functioning: e-mails, a signed webhook, the outbox, the draft NC.

The webhook goes to a real HTTP server on 127.0.0.1 (port 0), reachable only because each
test that needs it opens the outbound allow list for 127.0.0.1/32 in that test alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from annexa.connectors import netguard
from annexa.connectors import secrets as sealing
from annexa.connectors.services import rotate_keys
from annexa.findings.choices import FindingOrigin, FindingStatus
from annexa.findings.models import Finding
from annexa.isms.models import SoAEntry
from annexa.ledger.models import LedgerEntry
from annexa.monitoring import notify, services
from annexa.monitoring.choices import Channel, DeliveryStatus, NotificationEvent
from annexa.monitoring.models import ControlStatusChange, MonitoringSettings, Notification
from annexa.monitoring.services import notifications
from annexa.monitoring.tests.test_services import lynis_report

SECRET = "whsec-canary-5f0c2b7e9a1d4c38"
REFUSED = ["127.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "2130706433"]


class Receiver:
    """A webhook receiver: records each request, answers with ``codes`` in turn (then 204)."""

    def __init__(self, codes=()) -> None:
        self.requests: list[dict] = []
        self.codes = list(codes)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(receiver.codes.pop(0) if receiver.codes else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ctx(isla, colin, catalog):
    """Isla manages Acme's ISMS; Colin owns A.8.7 (protection against malware)."""
    SoAEntry.objects.create(
        organization=isla.ctx.org,
        control_id="A.8.7",
        applicable=True,
        justification="Servers run a malware scanner.",
        control_owner=colin.user,
    )
    return isla.ctx


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


def flip(ctx, tmp_path, capture, *, back: bool = False) -> ControlStatusChange:
    """A.8.7 passes, then fails (and passes again with ``back``), committing each step."""
    for name, value in [("a.dat", 1), ("b.dat", 0)] + ([("c.dat", 1)] if back else []):
        with capture(execute=True):
            services.ingest(ctx, lynis_report(tmp_path, name, malware_scanner_installed=value))
    return ControlStatusChange.objects.filter(control_id="A.8.7", no_longer_functioning=True).get()


def test_it_emails_the_owner_and_the_managers_once(
    ctx, colin, tmp_path, django_capture_on_commit_callbacks
):
    change = flip(ctx, tmp_path, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["colin@acme.test", "isla@acme.test"]
    message = mail.outbox[0]
    assert "A.8.7" in message.subject and "no longer functioning" in message.subject
    assert "lynis_malware_scanner" in message.body
    assert "http://127.0.0.1:8000/o/acme/monitoring/controls/A.8.7/" in message.body
    sent = Notification.objects.filter(change=change)
    assert {n.status for n in sent} == {DeliveryStatus.SENT}
    assert all(n.attempts == 1 and n.event == NotificationEvent.NO_LONGER_FUNCTIONING for n in sent)
    for notification in sent:  # a second delivery of the same row sends nothing
        assert notify.deliver(notification.pk) == DeliveryStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh(ctx)
    assert len(mail.outbox) == 2


def test_it_tells_them_when_the_control_passes_again_if_asked(
    ctx, tmp_path, django_capture_on_commit_callbacks
):
    notifications.update_settings(ctx, notify_recovery=True)
    flip(ctx, tmp_path, django_capture_on_commit_callbacks, back=True)
    recovered = [m for m in mail.outbox if "passes again" in m.subject]
    assert len(recovered) == 2 and "A.8.7" in recovered[0].subject
    assert Notification.objects.filter(event=NotificationEvent.RECOVERED).count() == 2


def test_it_posts_a_signed_webhook(
    ctx, tmp_path, allow_loopback, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    with Receiver() as receiver:
        url = f"http://127.0.0.1:{receiver.port}/hooks/annexa"
        notifications.update_settings(
            ctx, webhook_url=url, webhook_secret=SECRET, notify_email=False
        )
        change = flip(ctx, tmp_path, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1 and not mail.outbox
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    # The signature covers the timestamp: "<timestamp>.<body>", as docs/connectors.md says.
    timestamp = headers["x-annexa-timestamp"]
    assert timestamp.isdigit() and abs(int(timestamp) - time.time()) < 3600
    signed = timestamp.encode() + b"." + request["body"]
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-annexa-signature"], f"sha256={expected}")
    # The body alone (or with another timestamp) does not verify: no replay with a new time.
    for other in (request["body"], f"{int(timestamp) + 600}.".encode() + request["body"]):
        forged = hmac.new(SECRET.encode(), other, hashlib.sha256).hexdigest()
        assert not hmac.compare_digest(headers["x-annexa-signature"], f"sha256={forged}")
    assert headers["x-annexa-event"] == "control.no_longer_functioning"
    assert headers["x-annexa-delivery"] == str(change.uid)
    assert headers["content-type"] == "application/json"
    body = json.loads(request["body"])
    assert body["type"] == "control.no_longer_functioning" and body["id"] == str(change.uid)
    assert body["organization"] == "acme"
    assert body["control"]["id"] == "A.8.7" and body["control"]["title"]
    assert (body["previous_status"], body["status"]) == ("passing", "failing")
    assert body["timestamp"] == change.at.isoformat()
    assert [t["id"] for t in body["tests"]] == ["lynis_malware_scanner"]
    assert body["tests"][0]["system"] == "lynis:web1" and body["tests"][0]["reason"]
    delivery = Notification.objects.get(channel=Channel.WEBHOOK)
    assert (delivery.status, delivery.response_code, delivery.recipient) == ("sent", 204, url)
    assert SECRET not in caplog.text


def test_it_retries_a_failing_receiver_and_records_each_attempt(
    ctx, tmp_path, allow_loopback, django_capture_on_commit_callbacks
):
    with Receiver(codes=[503]) as receiver:
        url = f"http://127.0.0.1:{receiver.port}/hook"
        notifications.update_settings(
            ctx, webhook_url=url, webhook_secret=SECRET, notify_email=False
        )
        flip(ctx, tmp_path, django_capture_on_commit_callbacks)
        delivery = Notification.objects.get(channel=Channel.WEBHOOK)
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 503)
        assert "503" in delivery.error
        assert notify.deliver(delivery.pk) == DeliveryStatus.SENT  # the queue's retry
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code, delivery.error) == (2, 204, "")
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_it_gives_up_after_the_last_attempt(ctx, tmp_path, allow_loopback):
    with Receiver(codes=[500] * notify.MAX_ATTEMPTS) as receiver:
        url = f"http://127.0.0.1:{receiver.port}/hook"
        notifications.update_settings(ctx, webhook_url=url, webhook_secret=SECRET)
        services.ingest(ctx, lynis_report(tmp_path, "a.dat", malware_scanner_installed=1))
        services.ingest(ctx, lynis_report(tmp_path, "b.dat", malware_scanner_installed=0))
        delivery = Notification.objects.get(channel=Channel.WEBHOOK)
        for _ in range(notify.MAX_ATTEMPTS - 1):
            with pytest.raises(notify.DeliveryFailed):
                notify.deliver(delivery.pk)
        assert notify.deliver(delivery.pk) == DeliveryStatus.FAILED
        assert notify.deliver(delivery.pk) == DeliveryStatus.FAILED  # no sixth attempt
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (notify.MAX_ATTEMPTS, 500)
    assert len(receiver.requests) == notify.MAX_ATTEMPTS


@pytest.mark.parametrize("host", REFUSED)
def test_it_refuses_internal_webhook_addresses(
    ctx, tmp_path, host, settings, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        url = f"http://{host}:{receiver.port}/hook"
        with pytest.raises(ValidationError) as refused:
            notifications.update_settings(ctx, webhook_url=url, webhook_secret=SECRET)
        assert "webhook_url" in refused.value.message_dict
        # An administrator allowed these ranges when the URL was saved, and withdrew them.
        settings.OUTBOUND_ALLOW = netguard.parse_allow_list(
            "127.0.0.0/8, 169.254.0.0/16, ::1/128, ::ffff:127.0.0.0/104"
        )
        notifications.update_settings(ctx, webhook_url=url, webhook_secret=SECRET)
        settings.OUTBOUND_ALLOW = ()
        flip(ctx, tmp_path, django_capture_on_commit_callbacks)
    delivery = Notification.objects.get(channel=Channel.WEBHOOK)
    assert delivery.status == DeliveryStatus.REFUSED and delivery.attempts == 1
    assert "refused" in delivery.error and delivery.response_code is None
    assert receiver.requests == []
    assert len(mail.outbox) == 2  # e-mail still goes


def test_it_opens_the_draft_nonconformity_when_set_to(
    ctx, tmp_path, django_capture_on_commit_callbacks
):
    notifications.update_settings(ctx, open_draft_nonconformity=True)
    change = flip(ctx, tmp_path, django_capture_on_commit_callbacks)
    finding = Finding.objects.get(origin=FindingOrigin.MONITORING)
    assert (finding.control_id, finding.status) == ("A.8.7", FindingStatus.DRAFT)
    assert "lynis_malware_scanner" in finding.statement
    assert list(finding.evidence.all()) == [change.run.version]


def test_it_offers_the_draft_nonconformity_otherwise(
    ctx, isla, vera, tmp_path, client_for, django_capture_on_commit_callbacks
):
    flip(ctx, tmp_path, django_capture_on_commit_callbacks)
    assert not Finding.objects.exists()
    page = reverse("monitoring:control", kwargs={"org": "acme", "control_id": "A.8.7"})
    button = reverse("monitoring:raise-draft", kwargs={"org": "acme", "control_id": "A.8.7"})
    assert client_for(vera).post(button).status_code == 403
    client = client_for(isla)
    assert 'id="raise-draft"' in client.get(page).content.decode()
    first = client.post(button)
    finding = Finding.objects.get()
    assert first.url == reverse("findings:detail", kwargs={"org": "acme", "pk": finding.pk})
    assert finding.status == FindingStatus.DRAFT and finding.origin == FindingOrigin.MONITORING
    again = client.post(button)
    assert again.url == first.url and Finding.objects.count() == 1
    entries = LedgerEntry.objects.filter(object_type="finding").values_list("action", flat=True)
    assert list(entries) == ["raise"]
    html = client.get(page).content.decode()
    assert finding.reference in html and 'id="raise-draft"' not in html
    assert "colin@acme.test" in html  # the outbox, shown on the control page


def test_it_refuses_a_draft_for_a_control_that_does_not_fail(ctx):
    with pytest.raises(ValidationError, match="not failing"):
        notifications.raise_draft(ctx, "A.8.7")


def test_it_never_shows_the_webhook_secret(ctx, isla, oscar, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    api = reverse("monitoring-api:settings", kwargs={"org": "acme"})
    client = client_for(isla)
    changed = client.patch(
        api,
        {"webhook_url": "https://hooks.example.com/x", "webhook_secret": SECRET},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["webhook_secret_set"] is True and "webhook_secret" not in changed.json()
    read = client.get(api)
    assert read.json()["webhook_secret_mask"] == notifications.MASK
    page = client.get(reverse("monitoring:settings", kwargs={"org": "acme"})).content.decode()
    assert notifications.MASK in page
    row = MonitoringSettings.objects.get(organization=ctx.org)
    for text in (changed.content.decode(), read.content.decode(), page, row.webhook_secret):
        assert SECRET not in text
    ledger = "".join(LedgerEntry.objects.values_list("data", flat=True))
    assert SECRET not in ledger and SECRET not in caplog.text
    assert notifications.webhook_secret(ctx.org) == SECRET
    # A sealed token copied into another organization's settings does not open there.
    other = notifications.update_settings(oscar.ctx, notify_email=False)
    MonitoringSettings.objects.filter(pk=other.pk).update(webhook_secret=row.webhook_secret)
    with pytest.raises(sealing.SecretError):
        notifications.webhook_secret(oscar.ctx.org)


def test_it_refuses_settings_from_a_viewer_and_a_webhook_without_secret(ctx, vera, client_for):
    api = reverse("monitoring-api:settings", kwargs={"org": "acme"})
    body = {"notify_email": False}
    assert client_for(vera).patch(api, body, content_type="application/json").status_code == 403
    with pytest.raises(ValidationError, match="needs a secret"):
        notifications.update_settings(ctx, webhook_url="https://hooks.example.com/x")


def test_the_settings_page_saves_for_managers(ctx, isla, client_for):
    url = reverse("monitoring:settings", kwargs={"org": "acme"})
    response = client_for(isla).post(
        url,
        {
            "notify_email": "on",
            "open_draft_nonconformity": "on",
            "webhook_url": "https://hooks.example.com/annexa",
            "webhook_secret": SECRET,
        },
    )
    assert response.status_code == 302
    row = MonitoringSettings.objects.get(organization=ctx.org)
    assert row.open_draft_nonconformity and row.webhook_url.endswith("/annexa")
    refused = client_for(isla).post(url, {"webhook_url": "http://169.254.169.254/latest"})
    assert refused.status_code == 400 and "metadata" in refused.content.decode()


def test_rotating_the_keys_reseals_the_webhook_secret(ctx):
    notifications.update_settings(
        ctx, webhook_url="https://hooks.example.com/x", webhook_secret=SECRET
    )
    before = MonitoringSettings.objects.get().webhook_secret
    summary = rotate_keys(prune=True)
    after = MonitoringSettings.objects.get().webhook_secret
    assert after != before and sealing.split_token(after)[0] == summary.key_id
    assert summary.removed_keys and notifications.webhook_secret(ctx.org) == SECRET
