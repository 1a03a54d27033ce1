"""What the reviews services share: permissions, the row lock, status rules, the record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from annexa.core.tenancy import OrgContext
from annexa.findings.services.common import combine, email_of, iso
from annexa.reviews.choices import ReviewStatus
from annexa.reviews.models import ManagementReview

CHANGE = "reviews.change"
SIGN_OFF = "reviews.sign_off"
OBJECT_TYPE = "management_review"
# Header fields people edit until sign-off.
HEADER = (
    "title",
    "planned_date",
    "held_on",
    "chair",
    "attendees",
    "external_attendees",
    "conclusion",
)
OPEN = (ReviewStatus.DRAFT, ReviewStatus.HELD)


class SignedOff(ValidationError):
    """The review was signed off: its record no longer changes (the API answers 409)."""

    def __init__(self, review: ManagementReview) -> None:
        day = f" on {review.signed_off_at:%Y-%m-%d}" if review.signed_off_at else ""
        super().__init__(
            f"{review.reference} was signed off{day}: its record no longer changes. Record "
            "anything new in the next management review."
        )


def clean_fields(
    ctx: OrgContext,
    cleaners: Mapping[str, Callable[[OrgContext, Any], Any]],
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    """``changes`` cleaned by ``cleaners``; every field's errors at once, each under its name."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in cleaners:
            errors[name] = ["This cannot be set here."]
            continue
        try:
            values[name] = cleaners[name](ctx, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict.get(name, exc.messages))
    combine(errors)
    return values


def lock(ctx: OrgContext, review: ManagementReview) -> ManagementReview:
    """The review re-read under a row lock (call inside a transaction)."""
    return ManagementReview.objects.select_for_update(of=("self",)).get(
        pk=review.pk, organization=ctx.org
    )


def require_status(review: ManagementReview, allowed: tuple[str, ...], doing: str) -> None:
    """Refuse a change the review's status no longer allows (``SignedOff`` once signed)."""
    if review.status == ReviewStatus.SIGNED_OFF:
        raise SignedOff(review)
    if review.status not in allowed:
        names = " or ".join(ReviewStatus(s).label.lower() for s in allowed)
        raise ValidationError(
            {
                "status": f"{review.reference} is {review.get_status_display().lower()}; you "
                f"can {doing} only while it is {names}."
            }
        )


def record(
    ctx: OrgContext,
    review: ManagementReview,
    verb: str,
    data: Mapping[str, Any],
    blob_sha256: str | None = None,
) -> None:
    """Append a change of ``review`` to the ledger; call inside the change's transaction."""
    from annexa.ledger import services as ledger

    ledger.append(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(review.uid),
        action=verb,
        data={"reference": review.reference, **data},
        blob_sha256=blob_sha256,
    )


def header(review: ManagementReview) -> dict[str, Any]:
    """The review's header as JSON-safe data (people by e-mail)."""
    return {
        "title": review.title,
        "planned_date": iso(review.planned_date),
        "held_on": iso(review.held_on),
        "chair": email_of(review.chair),
        "attendees": sorted(u.email for u in review.attendees.all()),
        "external_attendees": review.external_list(),
        "conclusion": review.conclusion,
    }


def decision_data(decision) -> dict[str, Any]:
    return {
        "number": decision.number,
        "kind": decision.kind,
        "text": decision.text,
        "owner": email_of(decision.owner),
        "due_date": iso(decision.due_date),
        "action": decision.action.reference if decision.action_id else None,
    }


def snapshot(review: ManagementReview) -> dict[str, Any]:
    """The complete record: header, every input, every decision, the sign-off."""
    inputs = review.inputs.select_related("requirement").order_by("requirement__sort_key")
    decisions = review.decisions.select_related("owner", "action").order_by("number")
    return {
        "reference": review.reference,
        **header(review),
        "status": review.status,
        "frozen_at": iso(review.frozen_at),
        "inputs": [
            {
                "requirement": i.requirement_id,
                "title": i.requirement.title,
                "summary": i.summary,
                "summary_edited": i.summary_edited,
                "notes": i.notes,
                "assembled": i.assembled,
                "assembled_at": iso(i.assembled_at),
            }
            for i in inputs
        ],
        "decisions": [decision_data(d) for d in decisions],
        "signed_off_by": email_of(review.signed_off_by),
        "signed_off_at": iso(review.signed_off_at),
    }
