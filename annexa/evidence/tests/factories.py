"""Factories of the evidence app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import uuid

from annexa.catalog.choices import Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control
from annexa.core.tenancy import OrgContext
from annexa.evidence import services
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.orgs.models import Organization

SAMPLE_CONTROL = "A.5.15"


def make_version(org: Organization, text: str | None = None) -> EvidenceVersion:
    """A stored text file in ``org`` (unique content unless ``text`` is given)."""
    body = text if text is not None else f"access review {uuid.uuid4()}\n"
    return services.store(
        OrgContext.system(org), chunks=[body.encode()], filename="review.txt", title="Review"
    )


def make_evidence(org: Organization) -> Evidence:
    return make_version(org).evidence


def sample_control(org: Organization) -> str:
    """An Annex A control id that exists, whether or not the full catalog is loaded."""
    Control.objects.get_or_create(
        id=SAMPLE_CONTROL,
        defaults={
            "title": "Access control",
            "theme": Theme.ORGANIZATIONAL,
            "sort_key": sort_key(SAMPLE_CONTROL),
        },
    )
    return SAMPLE_CONTROL


FACTORIES = {Evidence: make_evidence, EvidenceVersion: make_version}
ROUTE_KWARGS = {"control_id": sample_control}
