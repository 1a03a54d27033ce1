"""Factories of the reviews app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt

from annexa.catalog.choices import RequirementKind
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Requirement
from annexa.orgs.models import Organization
from annexa.reviews.choices import DecisionKind
from annexa.reviews.models import ManagementReview, ReviewDecision, ReviewInput

INPUT_ID = "9.3.2.a"


def make_review(org: Organization, **fields) -> ManagementReview:
    number = ManagementReview.objects.for_org(org).count() + 1
    values = {
        "reference": f"MR-2026-{number:02d}",
        "title": "Spring management review",
        "planned_date": dt.date(2026, 6, 15),
        **fields,
    }
    return ManagementReview.objects.create(organization=org, **values)


def input_requirement() -> Requirement:
    requirement, _ = Requirement.objects.get_or_create(
        id=INPUT_ID,
        defaults={
            "title": "Status of actions from previous reviews",
            "kind": RequirementKind.ITEM,
            "clause": 9,
            "sort_key": sort_key(INPUT_ID),
        },
    )
    return requirement


def make_input(org: Organization) -> ReviewInput:
    return ReviewInput.objects.create(
        organization=org, review=make_review(org), requirement=input_requirement()
    )


def make_decision(org: Organization) -> ReviewDecision:
    return ReviewDecision.objects.create(
        organization=org,
        review=make_review(org),
        number=1,
        kind=DecisionKind.RESOURCES,
        text="Hire a second security engineer.",
    )


FACTORIES = {
    ManagementReview: make_review,
    ReviewInput: make_input,
    ReviewDecision: make_decision,
}
ROUTE_KWARGS: dict = {}
