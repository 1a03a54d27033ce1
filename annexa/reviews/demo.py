"""The reviews part of ``annexa demo``: a management review held last week, its inputs
assembled from the demo's data, the hand-entered inputs written, decisions recorded — ready
for the owner (top management) to sign off. A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.reviews import services
from annexa.reviews.models import ManagementReview

TITLE = "Annual management review of the ISMS"
EXTERNAL = "Petra Lah, external information security adviser"
# The inputs Annexa holds no data for, as the ISMS manager wrote them before the meeting (the
# objectives' input comes from the isms demo's objectives and their measurements, the risk
# input 9.3.2 f) from the risks demo's register).
HAND_WRITTEN = {
    "9.3.2.e": "Two enterprise customers sent security questionnaires; both asked about "
    "penetration testing of the product. One complaint about a delayed access removal for a "
    "departed contractor was received and handled.",
}
CONCLUSION = (
    "The ISMS remains suitable and adequate for Kestrel's business. It is effective, with two "
    "reservations: the overdue corrective action on production access reviews, and the lack "
    "of an independent test of the product's security, both addressed by the decisions below."
)


def _decisions(people: dict, today: dt.date) -> list[dict]:
    return [
        {
            "kind": "resources",
            "text": "Fund an independent penetration test of the product before the "
            "surveillance audit.",
            "owner": people["engineering"],
            "due_date": today + dt.timedelta(days=75),
        },
        {
            "kind": "improvement",
            "text": "Export the monthly access-review evidence from the identity provider "
            "instead of assembling it by hand.",
            "owner": people["it"],
            "due_date": today + dt.timedelta(days=45),
        },
        {
            "kind": "change",
            "text": "Add the customer-support tooling to the ISMS scope at the next scope review.",
            "owner": people["isms_manager"],
            "due_date": today + dt.timedelta(days=90),
        },
        {
            "kind": "change",
            "text": "No change to the information security policy this year.",
        },
    ]


def build_reviews_demo(ctx: OrgContext, people: dict) -> ManagementReview:
    """Bring ``ctx.org``'s demo review to its state; ``ctx`` is the ISMS manager's."""
    existing = ManagementReview.objects.for_org(ctx.org).filter(title=TITLE).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    attendees = [people[k] for k in ("owner", "isms_manager", "it", "engineering") if k in people]
    with transaction.atomic():
        review = services.create_review(
            ctx,
            title=TITLE,
            planned_date=today - dt.timedelta(days=7),
            chair=people["owner"],
            attendees=attendees,
            external_attendees=EXTERNAL,
        )
        services.assemble(ctx, review)
        for row in review.inputs.all():
            if row.requirement_id in HAND_WRITTEN:
                services.update_input(ctx, row, summary=HAND_WRITTEN[row.requirement_id])
        for decision in _decisions(people, today):
            services.add_decision(ctx, review, **decision)
        services.update_review(ctx, review, {"conclusion": CONCLUSION})
        review = services.hold_review(ctx, review, today - dt.timedelta(days=7))
    return review
