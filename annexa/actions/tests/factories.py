"""Factories of the actions app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt

from annexa.actions.choices import ActionSource, ReviewConclusion, ReviewMethod
from annexa.actions.models import CorrectiveAction, EffectivenessReview, OverdueNotice, PlanRevision
from annexa.audits.tests.factories import member
from annexa.orgs.choices import Role
from annexa.orgs.models import Organization

PLAN = "Add the missing check to the monthly configuration review."


def make_action(org: Organization, **fields) -> CorrectiveAction:
    last = CorrectiveAction.objects.for_org(org).order_by("-number").first()
    values = {
        "title": "Quarterly restore test",
        "source": ActionSource.MANAGEMENT_REVIEW,
        "source_reference": "Management review, decision 3",
        "plan": PLAN,
        "owner": member(org, Role.CONTROL_OWNER),
        "due_date": dt.date(2026, 6, 30),
        **fields,
    }
    action = CorrectiveAction.objects.create(
        organization=org, number=(last.number + 1) if last else 1, **values
    )
    PlanRevision.objects.create(
        organization=org, action=action, number=1, plan=action.plan, reason="First plan."
    )
    return action


def make_revision(org: Organization) -> PlanRevision:
    return make_action(org).revisions.get()


def make_review(org: Organization) -> EffectivenessReview:
    return EffectivenessReview.objects.create(
        organization=org,
        action=make_action(org),
        reviewer=member(org, Role.AUDITOR),
        reviewed_on=dt.date(2026, 7, 15),
        method=ReviewMethod.DOCUMENT_REVIEW,
        conclusion=ReviewConclusion.EFFECTIVE,
        notes="The records since the fix are complete.",
        plan_revision=1,
    )


def make_notice(org: Organization) -> OverdueNotice:
    action = make_action(org)
    return OverdueNotice.objects.create(
        organization=org, action=action, recipient=action.owner, date=dt.date(2026, 7, 1)
    )


FACTORIES = {
    CorrectiveAction: make_action,
    PlanRevision: make_revision,
    EffectivenessReview: make_review,
    OverdueNotice: make_notice,
}
ROUTE_KWARGS: dict = {}
