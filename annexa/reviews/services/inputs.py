"""The inputs of a review (clause 9.3.2): created from the catalog, assembled from live data,
summarised and annotated by people."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.findings.services.common import clean_text
from annexa.reviews import sources
from annexa.reviews.choices import ReviewStatus
from annexa.reviews.models import ManagementReview, ReviewInput
from annexa.reviews.services.common import CHANGE, OPEN, lock, record, require_status


@dataclass
class AssemblyReport:
    """What one assembly did: inputs refreshed, and edited summaries kept or replaced."""

    refreshed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited summaries left as people wrote them
    replaced: list[str] = field(default_factory=list)  # edited summaries replaced on request


def input_requirements():
    """The catalog's items of clause 9.3.2 (the leaves), in the standard's order."""
    from annexa.catalog.models import Requirement

    found = Requirement.objects.filter(
        id__startswith=f"{sources.REVIEW_INPUTS_PARENT}.", children__isnull=True
    ).order_by("sort_key")
    if not found:
        raise ValidationError(
            "The catalog has no items of clause 9.3.2: run `annexa init` to load the catalog."
        )
    return list(found)


def ensure_inputs(ctx: OrgContext, review: ManagementReview) -> list[ReviewInput]:
    """One input row per 9.3.2 item (rows the catalog gained later are added)."""
    have = set(review.inputs.values_list("requirement_id", flat=True))
    for requirement in input_requirements():
        if requirement.id not in have:
            ReviewInput.objects.create(organization=ctx.org, review=review, requirement=requirement)
    return list(review.inputs.select_related("requirement").order_by("requirement__sort_key"))


def window_of(review: ManagementReview) -> sources.Window:
    """The period the review looks back on: since the inputs of the last review held before it
    froze. A held review counts whether or not top management has signed it off yet: its
    meeting took place and its inputs no longer change."""
    moment = review.frozen_at or timezone.now()
    reviews = ManagementReview.objects.for_org(review.organization).exclude(pk=review.pk)
    previous = (
        reviews.filter(
            status__in=(ReviewStatus.HELD, ReviewStatus.SIGNED_OFF), frozen_at__lt=moment
        )
        .order_by("-frozen_at")
        .first()
    )
    not_held = None
    if previous is None:  # "the first review" only when no review came before this one
        earlier = reviews.filter(pk__lt=review.pk, status=ReviewStatus.DRAFT).order_by("-pk")
        not_held = earlier.values_list("reference", flat=True).first()
    return sources.Window(
        since=previous.frozen_at if previous else None,
        previous=previous.reference if previous else None,
        own_prefix=f"{review.reference} ",
        today=timezone.localdate(),
        not_held=not_held,
    )


def assemble(
    ctx: OrgContext, review: ManagementReview, *, replace_edited: bool = False
) -> AssemblyReport:
    """Fill or refresh every input from live data (idempotent; only while a draft).

    A summary someone edited is kept unless ``replace_edited`` says to replace it with the
    freshly assembled one; the assembled data itself is always refreshed.
    """
    ctx.require(CHANGE)
    report = AssemblyReport()
    with transaction.atomic():
        locked = lock(ctx, review)
        require_status(locked, (ReviewStatus.DRAFT,), "assemble its inputs")
        window = window_of(locked)
        now = timezone.now()
        for row in ensure_inputs(ctx, locked):
            assembled = sources.read(row.requirement, ctx.org, window)
            fresh = assembled["summary"]
            if row.summary_edited and row.summary != fresh and not replace_edited:
                report.kept.append(row.requirement_id)
            else:
                if row.summary_edited and row.summary != fresh:
                    report.replaced.append(row.requirement_id)
                row.summary, row.summary_edited = fresh, False
            row.assembled, row.assembled_at, row.updated_at = assembled, now, now
            row.save()
            report.refreshed.append(row.requirement_id)
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        record(
            ctx,
            locked,
            "assemble",
            {
                "period": window.period,
                "refreshed": report.refreshed,
                "kept_edited_summaries": report.kept,
                "replaced_edited_summaries": report.replaced,
            },
        )
    return report


def update_input(
    ctx: OrgContext,
    row: ReviewInput,
    *,
    summary: str | None = None,
    notes: str | None = None,
) -> ReviewInput:
    """Edit an input: its summary before the meeting (draft), its notes until sign-off."""
    ctx.require(CHANGE)
    values = {}
    if summary is not None:
        values["summary"] = clean_text(summary, "summary")
    if notes is not None:
        values["notes"] = clean_text(notes, "notes")
    with transaction.atomic():
        review = lock(ctx, row.review)
        require_status(review, OPEN, "annotate its inputs")
        locked = ReviewInput.objects.select_for_update().get(pk=row.pk, review=review)
        changed = {k: v for k, v in values.items() if getattr(locked, k) != v}
        if not changed:
            return locked
        if "summary" in changed:
            require_status(review, (ReviewStatus.DRAFT,), "edit an input's summary")
            locked.summary_edited = True
        before = {k: getattr(locked, k) for k in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save()
        record(
            ctx,
            review,
            "update_input",
            {"requirement": locked.requirement_id, "before": before, "after": changed},
        )
    return locked
