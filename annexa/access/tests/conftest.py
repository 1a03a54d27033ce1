"""Access-review fixtures: Acme's people register and its "Payroll" accounts, a campaign over
them reviewed by Colin (control owner, the system owner)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.access import services
from annexa.access.choices import ReviewerMode
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Person
from annexa.people.services.accounts import AccountRecord, sync_system

SYSTEM = "Payroll"


@pytest.fixture
def staff(acme, colin, isla):
    """Colin and Isla as people (linked to their users), Pat reporting to Isla, and Lee who
    left last month."""
    today = timezone.localdate()

    def person(name, email, **extra):
        return Person.objects.create(
            organization=acme, name=name, email=email, source=PersonSource.MANUAL, **extra
        )

    isla_p = person("Isla Manager", "isla@acme.test", user=isla.user)
    return {
        "colin": person("Colin Owner", "colin@acme.test", user=colin.user),
        "isla": isla_p,
        "pat": person("Pat Payroll", "pat@acme.test", manager=isla_p),
        "lee": person("Lee Leaver", "lee@acme.test", end_date=today - dt.timedelta(days=30)),
    }


def payroll_records(**changes) -> list[AccountRecord]:
    records = {
        "colin": AccountRecord(username="colin", email="colin@acme.test", entitlements=("user",)),
        "pat": AccountRecord(username="pat", email="pat@acme.test", entitlements=("clerk",)),
        "lee": AccountRecord(username="lee", email="lee@acme.test", entitlements=("clerk",)),
        "admin": AccountRecord(username="admin", entitlements=("admin",), privileged=True),
    }
    records.update(changes)
    return [r for r in records.values() if r is not None]


@pytest.fixture
def payroll(staff, isla):
    return sync_system(isla.ctx, SYSTEM, payroll_records(), source=AccountSource.IMPORT)


@pytest.fixture
def review(payroll, isla, colin):
    return services.create_review(
        isla.ctx,
        system=SYSTEM,
        reviewer_mode=ReviewerMode.SYSTEM_OWNER,
        system_owner=colin.user,
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )


def item(review, username):
    return review.items.get(username=username)
