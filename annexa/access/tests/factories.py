"""Factories of the access-review app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt
import uuid

from annexa.access.choices import ReviewerMode
from annexa.access.models import AccessReview, ReviewItem, ReviewNotice
from annexa.audits.tests.factories import member
from annexa.orgs.choices import Role
from annexa.orgs.models import Organization
from annexa.people.choices import AccountSource
from annexa.people.models import Account


def make_review(org: Organization) -> AccessReview:
    last = AccessReview.objects.for_org(org).order_by("-number").first()
    number = (last.number + 1) if last else 1
    # A system of its own: one campaign may be open per system.
    return AccessReview.objects.create(
        organization=org,
        number=number,
        system=f"System {uuid.uuid4().hex[:8]}",
        reviewer_mode=ReviewerMode.SYSTEM_OWNER,
        system_owner=member(org, Role.CONTROL_OWNER),
        due_date=dt.date(2027, 3, 31),
    )


def make_item(org: Organization) -> ReviewItem:
    review = make_review(org)
    account = Account.objects.create(
        organization=org,
        system=review.system,
        source=AccountSource.IMPORT,
        username=f"user-{uuid.uuid4().hex[:8]}",
    )
    return ReviewItem.objects.create(
        organization=org,
        review=review,
        account=account,
        username=account.username,
        reviewer=review.system_owner,
        orphan="no_person",
    )


def make_notice(org: Organization) -> ReviewNotice:
    review = make_review(org)
    return ReviewNotice.objects.create(
        organization=org, action=review, recipient=review.system_owner, date=dt.date(2027, 3, 30)
    )


FACTORIES = {AccessReview: make_review, ReviewItem: make_item, ReviewNotice: make_notice}
ROUTE_KWARGS: dict = {}
