"""A management review from planning to sign-off: create, edit, hold (inputs frozen), sign off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.actions.services.planning import clean_date
from annexa.core.tenancy import OrgContext
from annexa.findings.services import common as shared
from annexa.findings.services.common import clean_text, iso
from annexa.reviews.choices import ReviewStatus
from annexa.reviews.models import ManagementReview
from annexa.reviews.services import decisions, inputs
from annexa.reviews.services.common import (
    CHANGE,
    HEADER,
    OPEN,
    SIGN_OFF,
    SignedOff,
    clean_fields,
    header,
    lock,
    record,
    require_status,
    snapshot,
)

MINUTES_REQUIREMENT = "9.3.3"  # the documented results of management reviews


def _external(value: object) -> str:
    if isinstance(value, list | tuple):
        value = "\n".join(str(v) for v in value)
    text = clean_text(value, "external_attendees", limit=5000)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _member(ctx: OrgContext, user, field: str):
    return shared.require_members(ctx.org, [user], field)[0] if user is not None else None


CLEANERS = {
    "title": lambda ctx, v: clean_text(v, "title", required=True, limit=200),
    "planned_date": lambda ctx, v: clean_date(v, "planned_date"),
    "held_on": lambda ctx, v: clean_date(v, "held_on") if v not in (None, "") else None,
    "chair": lambda ctx, v: _member(ctx, v, "chair"),
    "attendees": lambda ctx, v: shared.require_members(ctx.org, v, "attendees"),
    "external_attendees": lambda ctx, v: _external(v),
    "conclusion": lambda ctx, v: clean_text(v, "conclusion"),
}


def _clean(ctx: OrgContext, values: Mapping[str, Any]) -> dict[str, Any]:
    return clean_fields(ctx, CLEANERS, values)


def _next_reference(org, year: int) -> str:
    prefix = f"MR-{year}-"
    taken = ManagementReview.objects.for_org(org).filter(reference__startswith=prefix)
    numbers = [int(r.removeprefix(prefix)) for r in taken.values_list("reference", flat=True)]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _assign(review: ManagementReview, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name != "attendees":
            setattr(review, name, value)
    if "attendees" in values:
        review.attendees.set(values["attendees"])


def create_review(ctx: OrgContext, **fields: Any) -> ManagementReview:
    """A new review (draft) with one input row per clause 9.3.2 item; ``title`` and
    ``planned_date`` are required, the other header fields optional."""
    ctx.require(CHANGE)
    for required in ("title", "planned_date"):
        fields.setdefault(required, None)
    values = _clean(ctx, fields)
    with transaction.atomic():
        shared.lock_org(ctx.org)
        review = ManagementReview.objects.create(
            organization=ctx.org,
            reference=_next_reference(ctx.org, values["planned_date"].year),
            created_by=ctx.user,
            **{k: v for k, v in values.items() if k != "attendees"},
        )
        _assign(review, {k: v for k, v in values.items() if k == "attendees"})
        inputs.ensure_inputs(ctx, review)
        record(ctx, review, "create", header(review))
    return review


def update_review(
    ctx: OrgContext, review: ManagementReview, changes: Mapping[str, Any]
) -> ManagementReview:
    """Change the header (date, people, conclusion) until the review is signed off."""
    ctx.require(CHANGE)
    values = _clean(ctx, changes)
    with transaction.atomic():
        locked = lock(ctx, review)
        require_status(locked, OPEN, "edit it")
        before = header(locked)
        _assign(locked, values)
        after = header(locked)
        changed = sorted(k for k in HEADER if after[k] != before[k])
        if not changed:
            return locked
        locked.updated_at = timezone.now()
        locked.save()
        record(
            ctx,
            locked,
            "update",
            {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
        )
    return locked


def hold_review(
    ctx: OrgContext, review: ManagementReview, held_on: object = None
) -> ManagementReview:
    """draft → held: the meeting took place (``held_on``, default today); the inputs freeze."""
    ctx.require(CHANGE)
    day = clean_date(held_on, "held_on") if held_on not in (None, "") else None
    with transaction.atomic():
        locked = lock(ctx, review)
        require_status(locked, (ReviewStatus.DRAFT,), "mark it held")
        if locked.inputs.filter(assembled_at__isnull=True).exists() or not locked.inputs.exists():
            raise ValidationError({"inputs": "Assemble the inputs before the meeting."})
        now = timezone.now()
        locked.held_on = day or locked.held_on or timezone.localdate()
        locked.status, locked.frozen_at, locked.updated_at = ReviewStatus.HELD, now, now
        locked.save()
        record(ctx, locked, "hold", {"held_on": iso(locked.held_on), "frozen_at": iso(now)})
    return locked


def _prefetched(review: ManagementReview, name: str) -> bool:
    return name in getattr(review, "_prefetched_objects_cache", {})


def inputs_in_order(review: ManagementReview) -> list:
    """The review's inputs in the order of 9.3.2 with their requirement: from the prefetch of
    a list of reviews (the API's, ``INPUTS``), otherwise in one query."""
    if _prefetched(review, "inputs"):
        return list(review.inputs.all())
    return list(review.inputs.select_related("requirement").order_by("requirement__sort_key"))


def decisions_in_order(review: ManagementReview) -> list:
    """The review's decisions by number with owner and action, prefetched (``DECISIONS``) or
    in one query."""
    if _prefetched(review, "decisions"):
        return list(review.decisions.all())
    return list(review.decisions.select_related("owner", "action", "review").order_by("number"))


def sign_off_blockers(review: ManagementReview) -> list[str]:
    """What must be done before top management can sign the review off (empty: ready)."""
    if review.status == ReviewStatus.SIGNED_OFF:
        return [f"{review.reference} is already signed off."]
    problems = []
    if review.status != ReviewStatus.HELD:
        problems.append("Mark the review held first: that freezes its inputs.")
    if not review.attendees.exists() and not review.external_list():
        problems.append("List who attended.")
    blank = [
        f"{i.requirement_id} {i.requirement.title}"
        for i in inputs_in_order(review)
        if not i.summary.strip() and not i.notes.strip()
    ]
    if blank:
        problems.append("Summarise or note every input; still blank: " + "; ".join(blank) + ".")
    if not review.decisions.exists():
        problems.append("Record at least one decision (also when it is that nothing changes).")
    if not review.conclusion.strip():
        problems.append("State the conclusion: is the ISMS still suitable, adequate, effective?")
    return problems


def sign_off(ctx: OrgContext, review: ManagementReview) -> ManagementReview:
    """Top management signs the review off: decisions with an owner become tracked actions,
    the record freezes, the minutes (PDF and DOCX) are stored as evidence and the complete
    record, with the minutes' hashes, goes into the ledger."""
    from annexa.reviews import minutes

    ctx.require(SIGN_OFF)
    if ctx.user is None:
        raise PermissionDenied("only a named member of top management may sign a review off")
    with transaction.atomic():
        locked = lock(ctx, review)
        if locked.status == ReviewStatus.SIGNED_OFF:
            raise SignedOff(locked)
        problems = sign_off_blockers(locked)
        if problems:
            raise ValidationError({"sign_off": problems})
        for decision in locked.decisions.filter(owner__isnull=False, action__isnull=True):
            decisions.track(ctx, decision, locked)
        now = timezone.now()
        locked.status, locked.signed_off_by, locked.signed_off_at = (
            ReviewStatus.SIGNED_OFF,
            ctx.user,
            now,
        )
        locked.updated_at = now
        locked.save()
        stored = {fmt: _store_minutes(ctx, locked, fmt) for fmt in minutes.FORMATS}
        locked.minutes_pdf, locked.minutes_docx = stored["pdf"], stored["docx"]
        locked.save(update_fields=["minutes_pdf", "minutes_docx"])
        record(
            ctx,
            locked,
            "sign_off",
            {
                "record": snapshot(locked),
                "minutes": {
                    fmt: {
                        "sha256": v.sha256,
                        "evidence": str(v.evidence.uid),
                        "filename": v.filename,
                    }
                    for fmt, v in stored.items()
                },
            },
            blob_sha256=stored["pdf"].sha256,
        )
    return locked


def _store_minutes(ctx: OrgContext, review: ManagementReview, fmt: str):
    from annexa.evidence import services as evidence
    from annexa.reviews import minutes

    try:
        body, _media_type, filename = minutes.render(review, fmt)
    except minutes.MinutesError as exc:  # the PDF took too long: nothing is signed off
        raise ValidationError({"sign_off": [str(exc)]}) from None
    return evidence.store(
        ctx,
        chunks=[body],
        filename=filename,
        title=f"{review.reference} management review minutes ({fmt.upper()})",
        description=f"Minutes of {review.reference} {review.title}, as signed off.",
        requirements=[MINUTES_REQUIREMENT],
    )
