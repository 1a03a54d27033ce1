"""Effectiveness reviews and closing: someone other than the owner judges whether the action
worked, looking at the control's automated test results since the fix where there are any."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.actions.choices import ActionStatus, ReviewConclusion, ReviewMethod
from annexa.actions.models import CorrectiveAction, EffectivenessReview, PlanRevision
from annexa.actions.services.planning import (
    REVIEW,
    clean_date,
    lock,
    record,
    require_status,
)
from annexa.core.tenancy import OrgContext
from annexa.findings.services import common
from annexa.findings.services.common import clean_text, iso

MAX_RESULTS = 200


@dataclass(frozen=True)
class AutomatedCheck:
    """What the control's automated tests said since the action was implemented.

    ``has_test`` is false when the control has no automated test that ever ran in this
    organization: the review then relies on other methods, and nothing is made up.
    """

    control_id: str | None
    since: dt.datetime | None
    has_test: bool = False
    test_ids: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r["status"] == "pass")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r["status"] in ("fail", "error"))

    def as_data(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "since": iso(self.since),
            "has_test": self.has_test,
            "test_ids": self.test_ids,
            "passed": self.passed,
            "failed": self.failed,
            "results": self.results,
        }


def automated_results(action: CorrectiveAction) -> AutomatedCheck:
    """The control's test results observed since ``implemented_at`` (oldest first)."""
    from annexa.monitoring.loader import tests_for_control
    from annexa.monitoring.models import TestResult

    control_id, since = action.control_id, action.implemented_at
    if control_id is None:
        return AutomatedCheck(control_id=None, since=since)
    test_ids = [test.id for test in tests_for_control(control_id)]
    rows = TestResult.objects.for_org(action.organization).filter(test_id__in=test_ids)
    ran = [r for r in rows.only("control_ids") if control_id in r.control_ids]
    if not ran:
        return AutomatedCheck(control_id=control_id, since=since)
    results = []
    if since is not None:
        recent = rows.filter(observed_at__gte=since).order_by("observed_at", "test_id")
        results = [_result(r) for r in recent[:MAX_RESULTS] if control_id in r.control_ids]
    return AutomatedCheck(control_id, since, True, test_ids, results)


def _result(row) -> dict[str, Any]:
    return {
        "test_id": row.test_id,
        "status": row.status,
        "observed_at": iso(row.observed_at),
        "stream": row.stream,
        "reason": row.reason,
    }


# --- reviewing -------------------------------------------------------------------------------


def _require_not_owner(ctx: OrgContext, action: CorrectiveAction, doing: str) -> None:
    common.require_person(ctx, doing)
    if action.owner_id == ctx.user.pk:
        raise PermissionDenied(
            f"you own {action.reference}: someone other than its owner must {doing}"
        )


def _clean_review(action: CorrectiveAction, method, conclusion, notes, reviewed_on) -> dict:
    errors: dict[str, list[str]] = {}
    if method not in ReviewMethod.values:
        errors["method"] = [f"Choose a method: {', '.join(ReviewMethod.values)}."]
    if conclusion not in ReviewConclusion.values:
        errors["conclusion"] = ["Conclude effective or not_effective."]
    try:
        notes = clean_text(notes, "notes", required=True)
    except ValidationError as exc:
        errors["notes"] = exc.message_dict["notes"]
    day = timezone.localdate() if reviewed_on in (None, "") else None
    if day is None:
        try:
            day = clean_date(reviewed_on, "reviewed_on")
        except ValidationError as exc:
            errors["reviewed_on"] = exc.message_dict["reviewed_on"]
    if day is not None:
        implemented = timezone.localdate(action.implemented_at) if action.implemented_at else None
        if day > timezone.localdate() or (implemented and day < implemented):
            errors["reviewed_on"] = ["The review date lies between the fix and today."]
    common.combine(errors)
    return {"method": method, "conclusion": conclusion, "notes": notes, "reviewed_on": day}


def record_review(
    ctx: OrgContext,
    action: CorrectiveAction,
    *,
    method: str,
    conclusion: str,
    notes: str,
    reviewed_on: dt.date | str | None = None,
    evidence=(),
    new_plan: str = "",
) -> EffectivenessReview:
    """Record the effectiveness review of an implemented action.

    Effective: the action becomes "verified effective" and may be closed. Not effective: it
    goes back to "in progress" with ``new_plan`` recorded as the next plan revision.
    """
    ctx.require(REVIEW)
    versions = common.evidence_versions(ctx, evidence)
    with transaction.atomic():
        locked = lock(ctx, action)
        require_status(locked, (ActionStatus.IMPLEMENTED,), "review its effectiveness")
        _require_not_owner(ctx, locked, "review its effectiveness")
        values = _clean_review(locked, method, conclusion, notes, reviewed_on)
        automated = automated_results(locked)
        if method == ReviewMethod.AUTOMATED_TEST and not automated.results:
            raise ValidationError(
                {
                    "method": "There are no automated test results since the fix: choose a method "
                    "you actually used."
                }
            )
        plan = clean_text(new_plan, "new_plan")
        if conclusion == ReviewConclusion.NOT_EFFECTIVE and not plan:
            raise ValidationError({"new_plan": "Say what will be done instead (the new plan)."})
        review = EffectivenessReview.objects.create(
            organization=ctx.org,
            action=locked,
            reviewer=ctx.user,
            automated=automated.as_data() if automated.has_test else {},
            plan_revision=locked.plan_revision,
            **values,
        )
        review.evidence.set(versions)
        _apply_conclusion(ctx, locked, review, plan)
        record(ctx, locked, "review", _review_data(review, locked))
    return review


def _apply_conclusion(
    ctx: OrgContext, action: CorrectiveAction, review: EffectivenessReview, plan: str
) -> None:
    now = timezone.now()
    if review.conclusion == ReviewConclusion.EFFECTIVE:
        action.status = ActionStatus.VERIFIED_EFFECTIVE
    else:
        action.status, action.implemented_at = ActionStatus.IN_PROGRESS, None
        action.plan, action.plan_revision = plan, action.plan_revision + 1
        PlanRevision.objects.create(
            organization=ctx.org,
            action=action,
            number=action.plan_revision,
            plan=plan,
            reason=f"Effectiveness review of {review.reviewed_on} found the action not "
            f"effective: {review.notes}",
            recorded_by=ctx.user,
            recorded_at=now,
        )
    action.updated_at = now
    action.save()


def _review_data(review: EffectivenessReview, action: CorrectiveAction) -> dict[str, Any]:
    return {
        "reviewer": review.reviewer.email,
        "reviewed_on": iso(review.reviewed_on),
        "method": review.method,
        "conclusion": review.conclusion,
        "notes": review.notes,
        "evidence": sorted(str(v.uid) for v in review.evidence.all()),
        "automated": {k: v for k, v in review.automated.items() if k != "results"},
        "reviewed_revision": review.plan_revision,
        "status": action.status,
        "plan_revision": action.plan_revision,
        "plan": action.plan,
    }


# --- closing ---------------------------------------------------------------------------------


def effective_review(action: CorrectiveAction) -> EffectivenessReview | None:
    """The review that verified the current plan effective, if any."""
    return (
        action.reviews.filter(
            conclusion=ReviewConclusion.EFFECTIVE, plan_revision=action.plan_revision
        )
        .order_by("-recorded_at", "-id")
        .first()
    )


def close_action(ctx: OrgContext, action: CorrectiveAction, note: str = "") -> CorrectiveAction:
    """Close a verified-effective action; never by its owner, never without the review."""
    ctx.require(REVIEW)
    note = clean_text(note, "note", limit=2000)
    with transaction.atomic():
        locked = lock(ctx, action)
        _require_not_owner(ctx, locked, "close it")
        review = effective_review(locked)
        if locked.status != ActionStatus.VERIFIED_EFFECTIVE or review is None:
            raise ValidationError(
                {
                    "status": f"{locked.reference} needs an effectiveness review concluding it is "
                    "effective before it can be closed."
                }
            )
        now = timezone.now()
        locked.status, locked.closed_at, locked.closed_by = ActionStatus.CLOSED, now, ctx.user
        locked.updated_at = now
        locked.save()
        record(ctx, locked, "close", {"status": locked.status, "note": note})
    return locked
