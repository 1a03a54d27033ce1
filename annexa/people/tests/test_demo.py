"""The demo's people register: ~150 staff with managers and trainings, the demo's members
linked to their users, and the deliberate gaps the demo audit finds."""

from __future__ import annotations

import pytest

from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.ledger.models import LedgerEntry
from annexa.people import demo
from annexa.people.models import Account, Person
from annexa.people.services import checks

pytestmark = pytest.mark.django_db
SUBJECTS = ("A.6.1", "A.6.2", "A.6.3")


@pytest.fixture
def built(alice, isla, colin, audrey, vera, acme):
    people = {
        "owner": alice.user,
        "isms_manager": isla.user,
        "it": colin.user,
        "auditor": audrey.user,
        "viewer": vera.user,
    }
    ctx = OrgContext.member(acme, isla.user, recorded_as=DEMO_ACTOR)
    return ctx, people, demo.build_people_demo(ctx, people)


def test_a_register_of_about_150_with_managers_and_members_linked(built, colin):
    ctx, _people, found = built
    assert 130 <= len(found) <= 160
    assert Person.objects.filter(manager__isnull=True).count() == 1  # the chief executive
    assert Person.objects.get(user=colin.user).job_title == "Head of IT"
    assert Person.objects.filter(trainings__isnull=False).distinct().count() > 120
    assert not LedgerEntry.objects.filter(organization=ctx.org).exclude(actor=DEMO_ACTOR).exists()


def test_the_deliberate_gaps(built):
    ctx, _people, _found = built
    gaps = checks.joiners(ctx.org, gaps_only=True)
    by_check = {name: [j for j in gaps if name in j.gaps] for name in checks.CHECKS}
    assert len(by_check["screening"]) == 1
    assert len(by_check["terms"]) == 1
    assert len(by_check["training"]) == 2
    assert len(gaps) == 4
    assert len(checks.joiners(ctx.org)) == 9
    (leaver,) = checks.leavers(ctx.org, gaps_only=True)
    assert leaver.person == demo.leaver_with_access(ctx.org)
    assert [a.system for a in leaver.accounts] == [demo.AWS]
    assert len(checks.leavers(ctx.org)) == 3
    google = Account.objects.filter(system=demo.GOOGLE)
    assert google.filter(person__isnull=True).count() == 2  # the shared and emergency accounts


def test_it_is_built_once(built):
    ctx, people, found = built
    before = LedgerEntry.objects.count()
    assert len(demo.build_people_demo(ctx, people)) == len(found)
    assert LedgerEntry.objects.count() == before


def test_the_demo_audit_finds_the_joiner_never_screened(catalog, settings):
    """The whole demo: the audit in fieldwork tests every joiner on its screening item from
    the register's joiner population, and the one never screened is a deviation."""
    from annexa.audits.models import Audit, Sample
    from annexa.cli.demo import build_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org, _created = build_demo()
    audit = Audit.objects.for_org(org).get(status="fieldwork")
    (sample,) = [
        s for s in Sample.objects.filter(item__audit=audit) if s.item.subject_id in SUBJECTS
    ]
    assert sample.population_evidence.evidence.title.startswith("Joiners population")
    assert len(sample.population) == 9 and sample.records.count() == 9
    (deviation,) = sample.records.filter(result="deviation")
    never_screened = next(j for j in checks.joiners(org, gaps_only=True) if "screening" in j.gaps)
    assert deviation.label == checks.record_label(never_screened.person)
    # The access reviews leave the leaver's AWS account enabled: the leaver check still finds it.
    leavers = checks.leavers(org, gaps_only=True)
    assert demo.leaver_with_access(org) in [leaver.person for leaver in leavers]


def test_the_demo_pages_show_names_not_identifiers(built, client_for, isla):
    """Every people page of the demo answers, and its text shows no UUID (the history reads
    the ledger's references as names)."""
    import re

    from django.urls import reverse

    ctx, _people, _found = built
    client = client_for(isla)
    leaver = demo.leaver_with_access(ctx.org)
    trained = Person.objects.filter(trainings__isnull=False).first()
    from annexa.people.services.people import remove_training

    remove_training(ctx, trained.trainings.first())
    pages = [
        reverse("people:list", kwargs={"org": "acme"}),
        reverse("people:list", kwargs={"org": "acme"}) + "?gaps=joiners",
        reverse("people:checks", kwargs={"org": "acme"}),
        reverse("people:checks", kwargs={"org": "acme"}) + "?all=true",
        reverse("people:settings", kwargs={"org": "acme"}),
        reverse("people:import", kwargs={"org": "acme"}),
        reverse("people:detail", kwargs={"org": "acme", "pk": leaver.pk}),
        reverse("people:detail", kwargs={"org": "acme", "pk": trained.pk}),
    ]
    uuid = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        assert not uuid.findall(text), (page, uuid.findall(text)[:3])
    detail = client.get(pages[-2]).content.decode()
    assert "AWS production" in detail and "enabled after leaving" in detail
