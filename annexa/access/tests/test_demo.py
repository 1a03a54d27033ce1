"""The demo's access reviews: one closed with its record, one open and half decided."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.access import services
from annexa.access.demo import AWS, GOOGLE, build_access_demo
from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.people.choices import PersonSource
from annexa.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(alice, isla, colin, audrey, vera, acme):
    from annexa.core.testing.fixtures import make_persona

    luka = make_persona(acme, "luka@acme.test", "control_owner", "Luka Zupan")
    return {
        "owner": alice.user,
        "isms_manager": isla.user,
        "it": colin.user,
        "engineering": luka.user,
        "auditor": audrey.user,
        "viewer": vera.user,
    }


@pytest.mark.parametrize("with_register", [False, True])
def test_it_builds_a_closed_and_an_open_review(
    demo_people, isla, colin, acme, catalog, with_register
):
    if with_register:
        colin_p = Person.objects.create(
            organization=acme, name="Colin Owner", email="colin@acme.test", user=colin.user,
            source=PersonSource.MANUAL,
        )  # fmt: skip
        Person.objects.create(
            organization=acme, name="Lea Leaver", email="lea@acme.test", manager=colin_p,
            end_date=timezone.localdate() - dt.timedelta(days=20), source=PersonSource.MANUAL,
        )  # fmt: skip
    ctx = OrgContext.member(acme, isla.user, recorded_as=DEMO_ACTOR)
    closed, opened = build_access_demo(ctx, demo_people)
    assert (closed.system, closed.status) == (GOOGLE, "closed")
    assert closed.evidence is not None and services.record_sha256(closed)
    figures = services.progress(closed)
    assert figures["undecided"] == 0 and figures["revoked"] >= 1 and figures["orphans"] >= 2
    assert figures["revocation_verified"] == 1
    assert (opened.system, opened.status) == (AWS, "open")
    progress = services.progress(opened)
    assert 0 < progress["decided"] < progress["accounts"]
    if with_register:
        own = closed.items.get(username="colin@acme.test")
        assert own.self_review and own.confirmed_by == isla.user
        assert closed.items.get(username="lea@acme.test").orphan == "left"
    assert build_access_demo(ctx, demo_people)[0].pk in (closed.pk, opened.pk)  # once only
