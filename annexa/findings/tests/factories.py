"""Factories of the findings app for the all-routes access test (``tests/test_access.py``).

``item_pk`` names a checklist item with a nonconformity (the raise-from-item page's kwarg).
"""

from __future__ import annotations

from annexa.audits.choices import ChecklistResult
from annexa.audits.models import ChecklistItem
from annexa.audits.tests.factories import make_audit, sample_control
from annexa.findings.choices import FindingGrade, FindingStatus, GapNature
from annexa.findings.models import Finding
from annexa.orgs.models import Organization


def make_finding(org: Organization, **fields) -> Finding:
    last = Finding.objects.for_org(org).order_by("-number").first()
    values = {
        "title": "Access reviews not done",
        "grade": FindingGrade.MINOR_NC,
        "status": FindingStatus.OPEN,
        "control": sample_control(),
        "requirement_statement": "Access rights are reviewed every quarter.",
        "statement": "The second-quarter review of the finance system is missing.",
        "nature": GapNature.NO_LONGER_FUNCTIONING,
        **fields,
    }
    return Finding.objects.create(
        organization=org, number=(last.number + 1) if last else 1, **values
    )


def make_nc_item(org: Organization) -> ChecklistItem:
    audit = make_audit(org)
    return ChecklistItem.objects.create(
        organization=org,
        audit=audit,
        order=1,
        control=sample_control(),
        questions=["How are strong authentication methods chosen and enforced?"],
        result=ChecklistResult.MINOR_NC,
        methods=["document_review"],
        examined="The identity provider's MFA policy.",
        analysis="Two administrator accounts sign in without a second factor.",
        verification="Compared the policy with the sign-in log.",
    )


def item_pk(org: Organization) -> int:
    return make_nc_item(org).pk


FACTORIES = {Finding: make_finding}
ROUTE_KWARGS = {"item_pk": item_pk}
