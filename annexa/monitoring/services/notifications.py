"""Follow-up of a control that stops functioning: who is told, how, and the draft
nonconformity (raised by itself, or offered on the control page).

``MonitoringSettings`` are changed only here (``update_settings``); the webhook secret is
sealed with the connectors' keyring (AES-GCM bound to the organization, the settings row and
the field) and is never returned or logged. ``follow_up`` runs inside the transaction that
records a status change: it writes the outbox rows and hands them to the job queue after
commit (``annexa.monitoring.notify`` delivers them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annexa.connectors import netguard
from annexa.connectors import secrets as sealing
from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger
from annexa.monitoring import notify
from annexa.monitoring.choices import Channel, ControlStatus, NotificationEvent
from annexa.monitoring.models import (
    ControlState,
    ControlStatusChange,
    MonitoringSettings,
    Notification,
)

logger = logging.getLogger(__name__)

MANAGE = "connectors.manage"  # managers configure where monitoring sends its news
RAISE = "findings.raise"
OBJECT_TYPE = "monitoring_settings"
SECRET_FIELD = "webhook_secret"  # noqa: S105 - a field name, not a password
MASK = "••••••••"
MIN_SECRET = 16


# --- settings --------------------------------------------------------------------------------


def settings_for(org) -> MonitoringSettings:
    """The organization's settings, or the defaults (unsaved) when none were saved yet."""
    found = MonitoringSettings.objects.for_org(org).first()
    return found if found is not None else MonitoringSettings(organization=org)


def _aad_kwargs(row: MonitoringSettings) -> dict[str, str]:
    return {
        "org_uid": str(row.organization.uid),
        "connector_uid": str(row.uid),
        "field": SECRET_FIELD,
    }


def webhook_secret(org) -> str:
    """The webhook secret in clear, for signing; ``SecretError`` when none is set or it does
    not open."""
    row = settings_for(org)
    if not row.webhook_secret:
        raise sealing.SecretError("no webhook secret is set")
    return sealing.unseal(row.webhook_secret, **_aad_kwargs(row))


def masked(row: MonitoringSettings) -> str:
    """What pages and the API show for the secret: a mask when set, else nothing."""
    return MASK if row.webhook_secret else ""


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise ValidationError({"webhook_url": "The URL is longer than 500 characters."})
    if problem := netguard.literal_problem(url):
        raise ValidationError({"webhook_url": f"{problem}."})
    return url


def _clean_secret(secret: str | None) -> str | None:
    if secret is None or secret == "":
        return None
    if len(secret) < MIN_SECRET or len(secret) > 500:
        raise ValidationError(
            {"webhook_secret": f"Use a random secret of {MIN_SECRET} to 500 characters."}
        )
    return secret


def update_settings(
    ctx: OrgContext,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    clear_secret: bool = False,
    notify_email: bool | None = None,
    notify_recovery: bool | None = None,
    open_draft_nonconformity: bool | None = None,
) -> MonitoringSettings:
    """Change the settings; ``None`` keeps a value. An empty ``webhook_secret`` keeps the
    stored one; ``clear_secret`` removes it. A webhook URL needs a secret to sign with."""
    ctx.require(MANAGE)
    url = _clean_url(webhook_url) if webhook_url is not None else None
    secret = _clean_secret(webhook_secret)
    with transaction.atomic():
        row = MonitoringSettings.objects.select_for_update().filter(organization=ctx.org).first()
        if row is None:
            row = MonitoringSettings.objects.create(organization=ctx.org)
        row.organization = ctx.org
        before = snapshot(row)
        if url is not None:
            row.webhook_url = url
        if clear_secret:
            row.webhook_secret = ""
        if secret is not None:
            row.webhook_secret = sealing.seal(secret, **_aad_kwargs(row))
        for name, value in (
            ("notify_email", notify_email),
            ("notify_recovery", notify_recovery),
            ("open_draft_nonconformity", open_draft_nonconformity),
        ):
            if value is not None:
                setattr(row, name, bool(value))
        if row.webhook_url and not row.webhook_secret:
            raise ValidationError(
                {"webhook_secret": "A webhook needs a secret: receivers check the signature."}
            )
        row.updated_at, row.updated_by = timezone.now(), ctx.user
        row.save()
        after = snapshot(row)
        if secret is not None:
            after["webhook_secret"] = "replaced"  # noqa: S105 - a marker, not the secret
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(row.uid),
            action="change",
            data={"before": before, "after": after},
        )
    return row


def snapshot(row: MonitoringSettings) -> dict:
    """The settings as the ledger and the API see them: the secret only as set or not."""
    return {
        "webhook_url": row.webhook_url,
        "webhook_secret": "set" if row.webhook_secret else "",
        "notify_email": row.notify_email,
        "notify_recovery": row.notify_recovery,
        "open_draft_nonconformity": row.open_draft_nonconformity,
    }


def reseal_all(ring: sealing.Keyring) -> int:
    """Re-seal every webhook secret under the keyring's active key (``annexa rotate-keys``);
    returns how many were re-sealed."""
    count = 0
    for pk in MonitoringSettings.objects.exclude(webhook_secret="").values_list("pk", flat=True):
        with transaction.atomic():
            row = (
                MonitoringSettings.objects.select_for_update()
                .select_related("organization")
                .get(pk=pk)
            )
            if sealing.split_token(row.webhook_secret)[0] == ring.active:
                continue
            aad = sealing.associated_data(**_aad_kwargs(row))
            row.webhook_secret = ring.seal(ring.open(row.webhook_secret, aad), aad)
            row.save(update_fields=["webhook_secret"])
            ledger.append(
                OrgContext.system(row.organization),
                object_type=OBJECT_TYPE,
                object_id=str(row.uid),
                action="reseal",
                data={"key_id": ring.active},
            )
            count += 1
    return count


def sealed_tokens() -> list[str]:
    """Every sealed webhook secret (so pruning the keyring keeps the keys they need)."""
    return list(
        MonitoringSettings.objects.exclude(webhook_secret="").values_list(
            "webhook_secret", flat=True
        )
    )


# --- after a transition ----------------------------------------------------------------------


def event_of(change: ControlStatusChange, was_not_functioning: bool) -> str | None:
    """The event a change announces: passing → failing, or a control that had stopped
    functioning passing again; None for every other change."""
    if change.no_longer_functioning:
        return NotificationEvent.NO_LONGER_FUNCTIONING
    if change.status == ControlStatus.PASSING and was_not_functioning:
        return NotificationEvent.RECOVERED
    return None


def recipients(org, control_id: str) -> list[str]:
    """The control's owner (its SoA entry) and every ISMS manager, by e-mail address."""
    from annexa.isms.models import SoAEntry
    from annexa.orgs.choices import Role
    from annexa.orgs.models import Membership

    people = []
    entry = (
        SoAEntry.objects.for_org(org)
        .filter(control_id=control_id, control_owner__isnull=False)
        .select_related("control_owner")
        .first()
    )
    if entry is not None:
        people.append(entry.control_owner)
    managers = Membership.objects.filter(organization=org, role=Role.ISMS_MANAGER)
    people += [m.user for m in managers.select_related("user").order_by("user__email")]
    emails = [p.email for p in people if p.email and p.is_active]
    return list(dict.fromkeys(emails))


def follow_up(
    ctx: OrgContext, change: ControlStatusChange, state: ControlState, was_not_functioning: bool
) -> list[Notification]:
    """Inside the transition's transaction: open the draft nonconformity when the settings
    say so, write the outbox and queue its delivery after commit. Returns the outbox rows."""
    event = event_of(change, was_not_functioning)
    if event is None:
        return []
    options = settings_for(ctx.org)
    if event == NotificationEvent.RECOVERED and not options.notify_recovery:
        return []
    if event == NotificationEvent.NO_LONGER_FUNCTIONING and options.open_draft_nonconformity:
        try:
            with transaction.atomic():  # a draft that cannot be raised must not undo the change
                _draft(ctx, change)
        except (ValidationError, PermissionDenied) as exc:
            logger.error("no draft nonconformity for %s: %s", change.control_id, exc)
    rows = []
    if options.notify_email:
        rows += [(Channel.EMAIL, email) for email in recipients(ctx.org, change.control_id)]
    if options.webhook_url:
        rows.append((Channel.WEBHOOK, options.webhook_url))
    created = [
        Notification.objects.create(
            organization=ctx.org, change=change, event=event, channel=channel, recipient=to
        )
        for channel, to in rows
    ]
    if created:
        from annexa.monitoring import tasks

        pks = [n.pk for n in created]
        transaction.on_commit(lambda: [tasks.deliver_notification(pk) for pk in pks])
    return created


def _draft(ctx: OrgContext, change: ControlStatusChange):
    from annexa.findings.services import raise_draft_from_monitoring

    tests = notify.failing_tests(ctx.org, change.control_id)
    versions = [change.run.version] if change.run is not None else []
    return raise_draft_from_monitoring(ctx, change.control, _draft_reason(change, tests), versions)


def _draft_reason(change: ControlStatusChange, tests: list[notify.FailingTest]) -> str:
    lines = [f"Monitoring saw {change.control_id} fail after it passed ({change.reason})."]
    lines += [f"- {t.test_id} on {t.stream}: {t.reason}" for t in tests]
    return "\n".join(lines)


# --- the draft nonconformity, offered ---------------------------------------------------------


def monitoring_finding(org, control_id: str):
    """The unresolved nonconformity monitoring raised about the control, if any."""
    from annexa.findings.choices import FindingOrigin, FindingStatus
    from annexa.findings.models import Finding

    # The statuses in which raise_draft_from_monitoring adds to a finding, not a new one.
    unresolved = (FindingStatus.DRAFT, FindingStatus.OPEN, FindingStatus.IN_PROGRESS)
    return (
        Finding.objects.for_org(org)
        .filter(origin=FindingOrigin.MONITORING, control_id=control_id)
        .filter(status__in=unresolved)
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class Drafted:
    finding: object
    created: bool


def raise_draft(ctx: OrgContext, control_id: str) -> Drafted:
    """The "Raise draft nonconformity" button: raise it for a failing control, or return the
    unresolved one monitoring already raised (pressing twice raises one)."""
    from annexa.findings.services.common import lock_org

    ctx.require(RAISE)
    with transaction.atomic():
        lock_org(ctx.org)  # two presses at once: the second waits, then finds the first's
        existing = monitoring_finding(ctx.org, control_id)
        if existing is not None:
            return Drafted(existing, False)
        state = ControlState.objects.for_org(ctx.org).filter(control_id=control_id).first()
        if state is None or state.status != ControlStatus.FAILING:
            raise ValidationError(
                {"control": f"{control_id} is not failing now: there is nothing to raise."}
            )
        change = (
            ControlStatusChange.objects.for_org(ctx.org)
            .filter(control_id=control_id, status=ControlStatus.FAILING)
            .select_related("run__version", "control")
            .first()
        )
        return Drafted(_draft(ctx, change), True)


def linked_actions(org, control_id: str):
    """Corrective actions not yet closed that fix the control, directly or via their finding."""
    from annexa.actions.choices import ActionStatus
    from annexa.actions.models import CorrectiveAction

    return (
        CorrectiveAction.objects.for_org(org)
        .filter(Q(control_id=control_id) | Q(finding__control_id=control_id))
        .exclude(status=ActionStatus.CLOSED)
        .select_related("finding", "owner")
        .order_by("due_date", "id")
    )
