"""The documents demo: the starter policies approved by someone other than their author, a
few overdue for review, a revision in review, and a campaign partly complete when there are
people."""

import datetime as dt

import pytest

from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.core.testing.fixtures import make_persona
from annexa.documents.demo import build_documents_demo
from annexa.documents.models import Document
from annexa.documents.services import campaigns, register
from annexa.people.choices import PersonSource
from annexa.people.models import Person

ROLES = {
    "owner": "owner",
    "isms_manager": "isms_manager",
    "it": "control_owner",
    "engineering": "control_owner",
    "hr": "control_owner",
}


@pytest.fixture
def people(acme):
    return {
        key: make_persona(acme, f"{key.replace('_', '-')}@acme.test", role).user
        for key, role in ROLES.items()
    }


def build(acme, people):
    ctx = OrgContext.member(acme, people["isms_manager"], recorded_as=DEMO_ACTOR)
    build_documents_demo(ctx, people)
    return ctx


def test_the_register(db, catalog, acme, people):
    for n in range(9):
        Person.objects.create(organization=acme, name=f"Person {n}", source=PersonSource.MANUAL)
    build(acme, people)
    documents = list(Document.objects.for_org(acme))
    assert len(documents) == 8 and all(d.status == "approved" for d in documents)
    for document in documents:
        approved = document.approved_version
        assert approved.approved_by == people["owner"] != approved.author
        assert approved.evidence is not None
    today = dt.date.today()
    overdue = [d.template for d in documents if register.review_state(d, today) == "overdue"]
    assert sorted(overdue) == ["backup-policy", "cryptography-policy"]
    assert [d.template for d in documents if register.review_state(d, today) == "due"] == [
        "incident-management-policy"
    ]
    assert (
        register.open_version(Document.objects.get(template="access-control-policy")).state
        == "in_review"
    )
    (campaign,) = campaigns.campaigns(acme)
    assert (campaign.done, campaign.asked) == (6, 9)
    build(acme, people)  # a second run writes nothing
    assert Document.objects.for_org(acme).count() == 8


def test_without_people_there_is_no_campaign(db, catalog, acme, people):
    build(acme, people)
    assert Document.objects.for_org(acme).count() == 8
    assert not campaigns.campaigns(acme).exists()


def test_its_pages_show_labels_not_internals(db, catalog, acme, people, client):
    """Every documents page of the demo register, as its owner sees it: no raw choice value
    and no UUID in the visible text (the rule ``tests/test_crawl.py`` applies to the demo)."""
    from django.urls import reverse

    from annexa.documents.models import DocumentVersion
    from tests.test_crawl import TOKEN, UUID, Page, raw_choice_values

    for n in range(3):
        Person.objects.create(organization=acme, name=f"Person {n}", source=PersonSource.MANUAL)
    build(acme, people)
    client.force_login(people["isms_manager"])
    urls = [
        reverse("documents:list", kwargs={"org": "acme"}),
        reverse("documents:templates", kwargs={"org": "acme"}),
        reverse("documents:acknowledgements", kwargs={"org": "acme"}),
    ]
    for document in Document.objects.for_org(acme):
        urls.append(reverse("documents:detail", kwargs={"org": "acme", "pk": document.pk}))
    for version in DocumentVersion.objects.for_org(acme):
        urls.append(reverse("documents:version", kwargs={"org": "acme", "pk": version.pk}))
    for campaign in campaigns.campaigns(acme):
        urls.append(reverse("documents:campaign", kwargs={"org": "acme", "pk": campaign.pk}))
    raw = raw_choice_values()
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = Page()
        page.feed(response.content.decode())
        text = " ".join(page.text)
        problems += [f"{url}: {t}" for t in set(TOKEN.findall(text)) if t in raw]
        problems += [
            f"{url}: {u} in …{text[max(text.find(u) - 80, 0) : text.find(u)]}"
            for u in set(UUID.findall(text))
        ]
    assert not problems
    aup = Document.objects.get(organization=acme, template="acceptable-use-policy")
    history = client.get(reverse("documents:detail", kwargs={"org": "acme", "pk": aup.pk}))
    assert b"person: Person 0" in history.content
