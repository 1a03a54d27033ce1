"""The outputs of a review (clause 9.3.3): decisions on improvement, changes to the ISMS and
resources; those with an owner become tracked corrective actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annexa.actions.services.planning import clean_date, clean_owner
from annexa.core.tenancy import OrgContext
from annexa.findings.services.common import clean_text
from annexa.reviews.choices import DecisionKind
from annexa.reviews.models import ManagementReview, ReviewDecision
from annexa.reviews.services.common import (
    CHANGE,
    OPEN,
    clean_fields,
    decision_data,
    lock,
    record,
    require_status,
)

FIELDS = ("kind", "text", "owner", "due_date")
TITLE_LIMIT = 200


def _kind(value: object) -> str:
    if value not in DecisionKind.values:
        names = ", ".join(DecisionKind.values)
        raise ValidationError({"kind": f"Choose one of {names}, not {value!r}."})
    return str(value)


CLEANERS = {
    "kind": lambda ctx, v: _kind(v),
    "text": lambda ctx, v: clean_text(v, "text", required=True),
    "owner": lambda ctx, v: clean_owner(ctx.org, v) if v is not None else None,
    "due_date": lambda ctx, v: clean_date(v, "due_date") if v not in (None, "") else None,
}


def _clean(ctx: OrgContext, values: Mapping[str, Any]) -> dict[str, Any]:
    return clean_fields(ctx, CLEANERS, values)


def _check_pair(owner, due_date) -> None:
    """An owner needs a due date and a due date needs an owner: together they are tracked."""
    if owner is not None and due_date is None:
        raise ValidationError({"due_date": "Give the owner a due date."})
    if owner is None and due_date is not None:
        raise ValidationError({"owner": "Name who carries the decision out by that date."})


def add_decision(ctx: OrgContext, review: ManagementReview, **fields: Any) -> ReviewDecision:
    """Record a decision (``kind`` and ``text`` required; ``owner`` with ``due_date``)."""
    ctx.require(CHANGE)
    for required in ("kind", "text"):
        fields.setdefault(required, None)
    values = _clean(ctx, fields)
    _check_pair(values.get("owner"), values.get("due_date"))
    with transaction.atomic():
        locked = lock(ctx, review)
        require_status(locked, OPEN, "record decisions")
        last = locked.decisions.order_by("-number").values_list("number", flat=True).first()
        decision = ReviewDecision.objects.create(
            organization=ctx.org, review=locked, number=(last or 0) + 1, **values
        )
        record(ctx, locked, "add_decision", decision_data(decision))
    return decision


def _locked_decision(ctx: OrgContext, decision: ReviewDecision, doing: str):
    review = lock(ctx, decision.review)
    require_status(review, OPEN, doing)
    locked = ReviewDecision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    if locked.action_id is not None:
        raise ValidationError(
            {
                "action": f"{locked.reference} is tracked as {locked.action.reference}: change "
                "the corrective action instead."
            }
        )
    return review, locked


def update_decision(
    ctx: OrgContext, decision: ReviewDecision, changes: Mapping[str, Any]
) -> ReviewDecision:
    """Change a decision that is not yet tracked as an action."""
    ctx.require(CHANGE)
    values = _clean(ctx, changes)
    with transaction.atomic():
        review, locked = _locked_decision(ctx, decision, "change decisions")
        before = decision_data(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        _check_pair(locked.owner, locked.due_date)
        after = decision_data(locked)
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return locked
        locked.save()
        record(
            ctx,
            review,
            "update_decision",
            {
                "number": locked.number,
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
            },
        )
    return locked


def delete_decision(ctx: OrgContext, decision: ReviewDecision) -> None:
    """Remove a decision recorded by mistake (not once it is tracked); the ledger keeps it."""
    ctx.require(CHANGE)
    with transaction.atomic():
        review, locked = _locked_decision(ctx, decision, "remove decisions")
        data = decision_data(locked)
        locked.delete()
        record(ctx, review, "delete_decision", data)


def track(ctx: OrgContext, decision: ReviewDecision, review: ManagementReview):
    """Create the decision's corrective action through the actions services (call inside a
    transaction holding ``review``'s lock)."""
    from annexa.actions import services as actions
    from annexa.actions.choices import ActionSource

    first_line = decision.text.splitlines()[0]
    try:
        action = actions.create_action(
            ctx,
            source=ActionSource.MANAGEMENT_REVIEW,
            source_reference=decision.reference,
            title=f"{decision.reference}: {first_line}"[:TITLE_LIMIT],
            plan=decision.text,
            owner=decision.owner,
            due_date=decision.due_date,
        )
    except ValidationError as exc:
        problems = [f"{decision.reference}: {m}" for m in exc.messages]
        raise ValidationError({"decisions": problems}) from exc
    decision.action = action
    decision.save(update_fields=["action"])
    record(ctx, review, "track_decision", {"number": decision.number, "action": action.reference})
    return action


def track_decision(ctx: OrgContext, decision: ReviewDecision):
    """Track a decision as a corrective action now, before sign-off (idempotent)."""
    ctx.require(CHANGE)
    with transaction.atomic():
        review = lock(ctx, decision.review)
        require_status(review, OPEN, "track decisions")
        locked = ReviewDecision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
        if locked.action_id is not None:
            return locked.action
        if locked.owner_id is None:
            raise ValidationError({"owner": f"Name an owner of {locked.reference} first."})
        return track(ctx, locked, review)
