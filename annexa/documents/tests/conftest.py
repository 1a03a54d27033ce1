"""Documents fixtures: a policy drafted by Isla (ISMS manager) in Acme, and a few people."""

import pytest

from annexa.documents.services import register, versions
from annexa.people.choices import PersonSource
from annexa.people.models import Person


@pytest.fixture
def policy(db, catalog, isla):
    """Isla's information security policy, with its first draft (1.0)."""
    return register.create_document(
        isla.ctx,
        {
            "title": "Information security policy",
            "kind": "policy",
            "clauses": ["5.2"],
            "controls": ["A.5.1"],
            "review_months": 12,
        },
        markdown="# Information security policy\n\nWe protect what we hold.",
        change_summary="First issue.",
    )


@pytest.fixture
def approved(policy, isla, alice):
    """The policy's 1.0, submitted by Isla and approved by Alice."""
    version = policy.versions.get()
    versions.submit(isla.ctx, version)
    return versions.approve(alice.ctx, version)


@pytest.fixture
def staff(acme, audrey):
    """Three people: two in Engineering (one of them Audrey's record), one in Sales, and
    someone who has left."""
    import datetime as dt

    make = Person.objects.create
    return {
        "ann": make(
            organization=acme,
            name="Ann Engineer",
            email="ann@acme.test",
            department="Engineering",
            source=PersonSource.MANUAL,
        ),
        "audrey": make(
            organization=acme,
            name="Audrey Auditor",
            email="audrey@acme.test",
            department="Engineering",
            source=PersonSource.MANUAL,
            user=audrey.user,
        ),
        "sam": make(
            organization=acme,
            name="Sam Sales",
            email="",
            department="Sales",
            source=PersonSource.MANUAL,
        ),
        "lee": make(
            organization=acme,
            name="Lee Left",
            email="lee@acme.test",
            department="Engineering",
            source=PersonSource.MANUAL,
            end_date=dt.date(2020, 1, 31),
        ),
    }
