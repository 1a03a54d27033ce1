"""Recording control status transitions, and what follows from them (``on_transition``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger import services as ledger
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState, ControlStatusChange, TestRun
from annexa.monitoring.services import notifications

OBJECT_TYPE = "control_status"


def refresh(
    ctx: OrgContext,
    *,
    run: TestRun | None = None,
    control_ids: Iterable[str] | None = None,
    reason: str = "",
) -> list[ControlStatusChange]:
    """Derive the status of the given controls (all by default) and record every change."""
    views = derivation.derive(ctx.org)
    wanted = set(control_ids) if control_ids is not None else set(views)
    states = {s.control_id: s for s in ControlState.objects.for_org(ctx.org)}
    changes = []
    for control_id in sorted(wanted & set(views)):
        view = views[control_id]
        state = states.get(control_id)
        previous = state.status if state else ControlStatus.NOT_COVERED
        if state is not None and previous == view.status:
            continue
        if state is None and view.status == ControlStatus.NOT_COVERED:
            continue  # nothing to say yet: no state is the same as "not covered"
        changes.append(_transition(ctx, control_id, state, view.status, run, reason))
    return changes


def _transition(
    ctx: OrgContext,
    control_id: str,
    state: ControlState | None,
    status: str,
    run: TestRun | None,
    reason: str,
) -> ControlStatusChange:
    now = timezone.now()
    with transaction.atomic():
        previous = state.status if state else ""
        if state is None:
            state = ControlState(organization=ctx.org, control_id=control_id)
        state.status, state.since, state.updated_at = status, now, now
        state.save()
        change = ControlStatusChange.objects.create(
            organization=ctx.org,
            control_id=control_id,
            previous=previous,
            status=status,
            at=now,
            run=run,
            reason=reason or _reason(run),
        )
        on_transition(ctx, change, state)
    return change


def _reason(run: TestRun | None) -> str:
    if run is None:
        return "status re-derived (evidence freshness)"
    return f"{run.kind} tests of {run.stream}"


def on_transition(ctx: OrgContext, change: ControlStatusChange, state: ControlState) -> None:
    """What follows a status change; called inside the transaction that records it.

    A control that was passing and now fails is **no longer functioning**: the change and
    the control's state are marked, until it passes again. Every transition goes to the
    ledger. Then ``notifications.follow_up``: the draft nonconformity (when the settings
    open it by themselves) and the outbox of e-mails and webhooks, delivered after commit.
    """
    was_not_functioning = state.no_longer_functioning
    if change.previous == ControlStatus.PASSING and change.status == ControlStatus.FAILING:
        change.no_longer_functioning = True
        change.save(update_fields=["no_longer_functioning"])
        state.no_longer_functioning = True
        state.save(update_fields=["no_longer_functioning"])
    elif change.status == ControlStatus.PASSING and state.no_longer_functioning:
        state.no_longer_functioning = False
        state.save(update_fields=["no_longer_functioning"])
    ledger.append(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=change.control_id,
        action="change",
        data={
            "previous": change.previous,
            "status": change.status,
            "no_longer_functioning": change.no_longer_functioning,
            "test_run": str(change.run.uid) if change.run else None,
            "reason": change.reason,
        },
    )
    notifications.follow_up(ctx, change, state, was_not_functioning)
