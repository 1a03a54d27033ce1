"""Factories of the people app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt
import uuid

from annexa.orgs.models import Organization
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Account, PeopleSettings, Person, TrainingCompletion


def make_person(org: Organization) -> Person:
    key = uuid.uuid4().hex[:8]
    return Person.objects.create(
        organization=org,
        name=f"Person {key}",
        email=f"{key}@{org.slug}.test",
        employee_id=f"E-{key}",
        start_date=dt.date(2026, 1, 5),
        source=PersonSource.MANUAL,
    )


def make_training(org: Organization) -> TrainingCompletion:
    return TrainingCompletion.objects.create(
        organization=org,
        person=make_person(org),
        course="Security awareness",
        completed_on=dt.date(2026, 1, 20),
    )


def make_account(org: Organization) -> Account:
    return Account.objects.create(
        organization=org,
        system="Google Workspace",
        source=AccountSource.IMPORT,
        username=f"user-{uuid.uuid4().hex[:8]}",
    )


def make_settings(org: Organization) -> PeopleSettings:
    return PeopleSettings.objects.get_or_create(organization=org)[0]


FACTORIES = {
    Person: make_person,
    TrainingCompletion: make_training,
    Account: make_account,
    PeopleSettings: make_settings,
}
ROUTE_KWARGS: dict = {}
