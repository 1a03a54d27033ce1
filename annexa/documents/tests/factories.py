"""Factories of the documents app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt
import uuid

from annexa.audits.tests.factories import member
from annexa.documents.choices import DocumentStatus, Threshold, VersionState
from annexa.documents.models import (
    AckCampaign,
    AckNotice,
    Acknowledgement,
    Document,
    DocumentVersion,
    ReviewNotice,
)
from annexa.orgs.choices import Role
from annexa.people.choices import PersonSource
from annexa.people.models import Person


def _next(model, org) -> int:
    last = model.objects.for_org(org).order_by("-number").first()
    return (last.number + 1) if last else 1


def make_document(org) -> Document:
    return Document.objects.create(
        organization=org,
        number=_next(Document, org),
        title=f"Policy {uuid.uuid4().hex[:8]}",
        kind="policy",
        owner=member(org, Role.ISMS_MANAGER),
        status=DocumentStatus.APPROVED,
        next_review=dt.date.today() + dt.timedelta(days=200),
    )


def make_version(org) -> DocumentVersion:
    document = make_document(org)
    version = DocumentVersion.objects.create(
        organization=org,
        document=document,
        major=1,
        minor=0,
        state=VersionState.APPROVED,
        content_kind="markdown",
        markdown="# Policy\n\nText.",
        author=member(org, Role.ISMS_MANAGER),
        approved_on=dt.date.today(),
    )
    document.approved_version = version
    document.save()
    return version


def make_campaign(org) -> AckCampaign:
    version = make_version(org)
    return AckCampaign.objects.create(
        organization=org,
        number=_next(AckCampaign, org),
        document=version.document,
        document_version=version,
        due_date=dt.date.today() + dt.timedelta(days=14),
        audience="chosen people",
    )


def make_acknowledgement(org) -> Acknowledgement:
    person = Person.objects.create(
        organization=org, name=f"Person {uuid.uuid4().hex[:6]}", source=PersonSource.MANUAL
    )
    return Acknowledgement.objects.create(
        organization=org, campaign=make_campaign(org), person=person
    )


def make_review_notice(org) -> ReviewNotice:
    document = make_document(org)
    return ReviewNotice.objects.create(
        organization=org,
        document=document,
        recipient=member(org, Role.ISMS_MANAGER),
        due_date=document.next_review,
        threshold=Threshold.DUE_SOON,
    )


def make_ack_notice(org) -> AckNotice:
    return AckNotice.objects.create(
        organization=org, acknowledgement=make_acknowledgement(org), threshold=Threshold.OPEN
    )


FACTORIES = {
    Document: make_document,
    DocumentVersion: make_version,
    AckCampaign: make_campaign,
    Acknowledgement: make_acknowledgement,
    ReviewNotice: make_review_notice,
    AckNotice: make_ack_notice,
}

ROUTE_KWARGS = {"key": lambda org: "backup-policy"}
