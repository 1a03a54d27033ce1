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
    return {key: make_persona(acme, f"{key}@acme.test", role).user for key, role in ROLES.items()}


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
