"""Factories of the risks app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import datetime as dt
import uuid

from annexa.audits.tests.factories import member
from annexa.orgs.choices import Role
from annexa.orgs.models import Organization
from annexa.risks.choices import (
    AssetKind,
    Criticality,
    SupplierAssessmentKind,
    SupplierAssessmentResult,
)
from annexa.risks.models import (
    Asset,
    Classification,
    Methodology,
    Risk,
    RiskAssessment,
    Supplier,
    SupplierAssessment,
    TreatmentAction,
    TreatmentNotice,
)
from annexa.risks.services import assets, methodology


def _next(model, org) -> int:
    last = model.objects.for_org(org).order_by("-number").first()
    return (last.number + 1) if last else 1


def make_methodology(org: Organization) -> Methodology:
    return methodology.current(org)


def make_classification(org: Organization) -> Classification:
    return assets.classifications(org)[0]


def make_asset(org: Organization) -> Asset:
    return Asset.objects.create(
        organization=org,
        number=_next(Asset, org),
        name=f"Asset {uuid.uuid4().hex[:8]}",
        kind=AssetKind.SYSTEM,
        owner=member(org, Role.CONTROL_OWNER),
    )


def make_risk(org: Organization) -> Risk:
    m = methodology.current(org)
    return Risk.objects.create(
        organization=org,
        number=_next(Risk, org),
        title="Ransomware on the file server",
        owner=member(org, Role.CONTROL_OWNER),
        inherent_likelihood=3,
        inherent_impact=4,
        inherent_score=m.score(3, 4),
        inherent_level=m.level(m.score(3, 4)),
        methodology=m,
        status="assessed",
    )


def make_action(org: Organization) -> TreatmentAction:
    risk = make_risk(org)
    return TreatmentAction.objects.create(
        organization=org,
        risk=risk,
        number=_next(TreatmentAction, org),
        title="Offline backups",
        owner=risk.owner,
        due_date=dt.date(2027, 3, 31),
    )


def make_assessment(org: Organization) -> RiskAssessment:
    return RiskAssessment.objects.create(
        organization=org,
        number=_next(RiskAssessment, org),
        held_on=dt.date(2026, 11, 2),
        title="Annual risk assessment",
        methodology=methodology.current(org),
    )


def make_supplier(org: Organization) -> Supplier:
    return Supplier.objects.create(
        organization=org,
        number=_next(Supplier, org),
        name=f"Supplier {uuid.uuid4().hex[:8]}",
        service="Payroll",
        criticality=Criticality.HIGH,
    )


def make_supplier_assessment(org: Organization) -> SupplierAssessment:
    return SupplierAssessment.objects.create(
        organization=org,
        supplier=make_supplier(org),
        kind=SupplierAssessmentKind.ISO27001,
        assessed_on=dt.date(2026, 5, 1),
        expires_on=dt.date(2027, 5, 1),
        result=SupplierAssessmentResult.SATISFACTORY,
    )


def make_treatment_notice(org: Organization) -> TreatmentNotice:
    action = make_action(org)
    return TreatmentNotice.objects.create(
        organization=org, action=action, recipient=action.owner, date=dt.date(2027, 4, 1)
    )


FACTORIES = {
    Methodology: make_methodology,
    Classification: make_classification,
    Asset: make_asset,
    Risk: make_risk,
    TreatmentAction: make_action,
    RiskAssessment: make_assessment,
    Supplier: make_supplier,
    SupplierAssessment: make_supplier_assessment,
    TreatmentNotice: make_treatment_notice,
}
ROUTE_KWARGS: dict = {}
