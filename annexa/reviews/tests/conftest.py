"""Fixtures of the reviews tests: the real catalog, a review, and the findings and actions
tests' fixtures (an open nonconformity on A.8.5 owned by Colin)."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.findings.tests.conftest import (  # noqa: F401  (fixtures)
    audit,
    control,
    draft,
    fast_password_hashing,
    nc_item,
    open_nc,
    soa,
    version,
)
from annexa.reviews import services

PLANNED = dt.date(2026, 6, 15)


@pytest.fixture
def review(isla, catalog):
    return services.create_review(
        isla.ctx, title="Spring management review", planned_date=PLANNED, chair=None
    )


def ready_to_sign(ctx, review, people=()):
    """Assemble, hold and complete ``review`` so that it can be signed off."""
    services.assemble(ctx, review)
    services.update_review(
        ctx,
        review,
        {
            "attendees": list(people),
            "external_attendees": "Dana External, certification consultant",
            "conclusion": "The ISMS remains suitable, adequate and effective.",
        },
    )
    for row in review.inputs.all():
        if not row.summary:
            services.update_input(ctx, row, summary="Discussed; nothing to add for this period.")
    review = services.hold_review(ctx, review, dt.date(2026, 6, 16))
    return review
