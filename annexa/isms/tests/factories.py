"""Factories of the isms app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from annexa.catalog.choices import Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control
from annexa.isms.choices import IssueKind, ObjectiveStatus, TargetDirection, UnitKind
from annexa.isms.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    OrgUnit,
    ScopeStatement,
    SoAApproval,
    SoAEntry,
)
from annexa.isms.services import ensure_soa
from annexa.orgs.models import Organization

SAMPLE_CONTROL = "A.5.15"


def sample_control(org: Organization) -> str:
    """An Annex A control id with an SoA entry in ``org``, with or without the full catalog."""
    Control.objects.get_or_create(
        id=SAMPLE_CONTROL,
        defaults={
            "title": "Access control",
            "theme": Theme.ORGANIZATIONAL,
            "sort_key": sort_key(SAMPLE_CONTROL),
        },
    )
    ensure_soa(org)
    return SAMPLE_CONTROL


def make_soa_entry(org: Organization) -> SoAEntry:
    return SoAEntry.objects.get(organization=org, control_id=sample_control(org))


def make_scope(org: Organization) -> ScopeStatement:
    """A new version of ``org``'s scope statement."""
    current = ScopeStatement.current(org)
    return ScopeStatement.objects.create(
        organization=org,
        version=(current.version + 1) if current else 1,
        text="The ISMS covers the development and operation of the product.",
    )


def scope_version(org: Organization) -> int:
    return make_scope(org).version


def make_unit(org: Organization) -> OrgUnit:
    return OrgUnit.objects.create(
        organization=org, name=f"Unit {uuid.uuid4().hex[:8]}", kind=UnitKind.UNIT
    )


def make_issue(org: Organization) -> ContextIssue:
    return ContextIssue.objects.create(
        organization=org, kind=IssueKind.EXTERNAL, description="Customers ask for certification."
    )


def make_party(org: Organization) -> InterestedParty:
    return InterestedParty.objects.create(
        organization=org, name=f"Party {uuid.uuid4().hex[:8]}", requirements="Reports."
    )


def make_objective(org: Organization, **fields) -> Objective:
    last = Objective.objects.for_org(org).order_by("-number").first()
    values = {
        "title": "Fewer staff fall for phishing",
        "measure": "Share of staff who click the link in the quarterly phishing test.",
        "target": "At most 5% by the end of the year.",
        "target_value": Decimal("5"),
        "unit": "%",
        "direction": TargetDirection.AT_MOST,
        "due_date": dt.date(2026, 12, 31),
        "status": ObjectiveStatus.ON_TRACK,
        **fields,
    }
    return Objective.objects.create(
        organization=org, number=(last.number + 1) if last else 1, **values
    )


def make_measurement(org: Organization) -> ObjectiveMeasurement:
    return ObjectiveMeasurement.objects.create(
        organization=org,
        objective=make_objective(org),
        measured_on=dt.date(2026, 3, 31),
        value=Decimal("8"),
    )


def make_soa_approval(org: Organization) -> SoAApproval:
    from annexa.audits.tests.factories import member

    return SoAApproval.objects.create(
        organization=org,
        number=SoAApproval.objects.for_org(org).count() + 1,
        approved_by=member(org),
        approved_at=dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC),
        snapshot_sha256="0" * 64,
        ledger_seq=0,
    )


FACTORIES = {
    SoAApproval: make_soa_approval,
    ScopeStatement: make_scope,
    OrgUnit: make_unit,
    ContextIssue: make_issue,
    InterestedParty: make_party,
    SoAEntry: make_soa_entry,
    Objective: make_objective,
    ObjectiveMeasurement: make_measurement,
}
ROUTE_KWARGS = {
    "control_id": sample_control,
    "version": scope_version,
    "fmt": lambda org: "docx",  # the SoA document's format
}
