"""Two organizations of different sizes, for tests that prove a page's cost does not grow with
its data (``tests/test_query_counts.py``, ``tests/test_pagination.py``).

Each organization is built from the factory registry of ``tests/test_access.py``: every
``FACTORIES`` entry called ``rows`` times, so every list holds ``rows`` rows of its model (or
more, where other factories build it as a parent). The objects the routes name (``pk``) are the
first instance of each model; the main collections shown on their detail pages are then pointed
at them (``_related``), so a risk has ``rows`` treatment actions, an evidence item ``rows``
versions, a finding ``rows`` cited evidence versions, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.db import models, transaction

from annexa.catalog.models import Control, Requirement
from annexa.core.testing.fixtures import give_totp
from annexa.orgs.choices import Role
from annexa.orgs.models import Membership, Organization, User

# Factories that import a scanner file, run a connector or store blobs through the evidence
# service (tens of milliseconds each, most of the build): called at most COSTLY_ROWS times. Their
# lists still hold more rows than the small organization's, and the evidence versions they store
# are what the detail pages' collections are filled with.
COSTLY = {
    "monitoring.TestRun",
    "monitoring.TestResult",
    "connectors.Connector",
    "connectors.CollectedItem",
    "connectors.CollectionRun",
    "reports.IssuedReportFile",
    "evidence.Evidence",
    "evidence.EvidenceVersion",
    "audits.Audit",
    "audits.ChecklistItem",
    "audits.EvidenceRequest",
    "audits.Sample",
    "audits.SampleRecord",
    "audits.IndependenceOverride",
}
COSTLY_ROWS = 12


@dataclass(frozen=True)
class Repoint:
    """Point every row of ``model`` in the organization at the first instance of the model
    ``field`` refers to. ``renumber`` names a field unique beside ``field`` (e.g. a version's
    number), given distinct values so the constraint holds."""

    model: type[models.Model]
    field: str
    renumber: tuple[str, ...] = ()

    def apply(self, org: Organization, first: dict[type, Any]) -> None:
        target = first[self.model._meta.get_field(self.field).related_model]
        rows = list(self.model.objects.filter(organization=org).order_by("pk"))
        for index, row in enumerate(rows):
            setattr(row, self.field, target)
            for name in self.renumber:
                setattr(row, name, 1000 + index)
        self.model.objects.bulk_update(rows, [self.field, *self.renumber])


@dataclass(frozen=True)
class Attach:
    """Fill a many-to-many collection of the first instance of ``model`` with up to ``rows``
    rows of ``source(org)``."""

    model: type[models.Model]
    field: str
    source: Callable[[Organization], models.QuerySet]

    def apply(self, org: Organization, first: dict[type, Any], rows: int) -> None:
        getattr(first[self.model], self.field).set(list(self.source(org)[:rows]))


def _related() -> list[Repoint | Attach]:
    """The main collections of each detail page, imported lazily (apps may be absent)."""
    from annexa.actions.models import CorrectiveAction, EffectivenessReview, PlanRevision
    from annexa.audits.models import Audit, EvidenceRequest, SampleRecord
    from annexa.connectors.models import CollectedItem, CollectionRun
    from annexa.documents.models import Acknowledgement, DocumentVersion
    from annexa.evidence.models import Evidence, EvidenceVersion
    from annexa.findings.models import Finding
    from annexa.isms.models import ObjectiveMeasurement
    from annexa.people.models import Account
    from annexa.reviews.models import ManagementReview, ReviewDecision
    from annexa.risks.models import Asset, Risk, Supplier, SupplierAssessment, TreatmentAction

    def versions(org):
        return EvidenceVersion.objects.filter(organization=org).order_by("pk")

    def controls(org):
        return Control.objects.order_by("pk")

    def members(org):
        return User.objects.filter(memberships__organization=org).order_by("pk")

    def requirements(org):
        return Requirement.objects.order_by("pk")

    return [
        # An evidence item with many versions, linked to many controls and requirements.
        Repoint(EvidenceVersion, "evidence", renumber=("number",)),
        Attach(Evidence, "controls", controls),
        Attach(Evidence, "requirements", requirements),
        Repoint(ObjectiveMeasurement, "objective"),
        # A risk with many treatment actions, assets and controls; a supplier with many
        # assessments and risks.
        Repoint(TreatmentAction, "risk"),
        Attach(Risk, "assets", lambda org: Asset.objects.filter(organization=org)),
        Attach(Risk, "controls", controls),
        Repoint(SupplierAssessment, "supplier"),
        Attach(Supplier, "risks", lambda org: Risk.objects.filter(organization=org)),
        # A finding citing many evidence versions, with many corrective actions; an action
        # with many plan revisions and effectiveness reviews.
        Attach(Finding, "evidence", versions),
        Repoint(CorrectiveAction, "finding"),
        Repoint(PlanRevision, "action", renumber=("number",)),
        Repoint(EffectivenessReview, "action"),
        # A management review with many decisions.
        Repoint(ReviewDecision, "review", renumber=("number",)),
        # A document with many versions and acknowledgements of one campaign.
        Repoint(DocumentVersion, "document", renumber=("major",)),
        Repoint(Acknowledgement, "campaign"),
        # A person with many accounts.
        Repoint(Account, "person"),
        # A connector with many runs, a run with many collected items.
        Repoint(CollectionRun, "connector"),
        Repoint(CollectedItem, "run"),
        # An audit programme with many audits; a checklist item with many evidence requests;
        # a sample with many records.
        Repoint(Audit, "programme"),
        Repoint(EvidenceRequest, "item"),
        Repoint(SampleRecord, "sample", renumber=("population_index",)),
        # A management review attended by many members.
        Attach(ManagementReview, "attendees", members),
    ]


@dataclass
class Sized:
    """One organization built with ``rows`` of everything, its owner and its first objects."""

    org: Organization
    rows: int
    owner: User
    first: dict[type, Any]


def build(slug: str, rows: int, factories: dict) -> Sized:
    """``rows`` of everything in a new organization ``slug``. Blobs are written without fsync:
    crash safety is proven by the evidence tests, this only needs the rows."""
    with mock.patch("os.fsync"):
        return _build(slug, rows, factories)


def _build(slug: str, rows: int, factories: dict) -> Sized:
    org = Organization.objects.create(name=f"Scale {slug}", slug=slug)
    owner = User.objects.create_user(f"owner@{slug}.test")
    give_totp(owner)
    Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
    first: dict[type, Any] = {}
    for round_ in range(rows):
        for model, factory in factories.items():
            if round_ >= COSTLY_ROWS and model._meta.label in COSTLY:
                continue
            instance = factory(org)
            if round_ == 0:
                first[model] = instance
    for users in range(rows - 1):  # the members page lists memberships
        user = User.objects.create_user(f"member{users}@{slug}.test")
        Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
    for relation in _related():
        with transaction.atomic():
            if isinstance(relation, Attach):
                relation.apply(org, first, rows)
            else:
                relation.apply(org, first)
    return Sized(org=org, rows=rows, owner=owner, first=first)
