"""The catalog's entries in the all-routes access test registry (``tests/test_access.py``).

Catalog rows are global reference data loaded from the package's files, not objects of an
organization, so there is nothing to build per organization: ``FACTORIES`` is empty on purpose.
Catalog pages take control and requirement ids; the values below exist once the real catalog
is loaded (a no-op when it already is).
"""

from __future__ import annotations

from annexa.catalog.loader import load_catalog
from annexa.orgs.models import Organization

SAMPLE_CONTROL = "A.5.15"
SAMPLE_REQUIREMENT = "6.1.2.a"


def sample_control(org: Organization) -> str:
    load_catalog()
    return SAMPLE_CONTROL


def sample_requirement(org: Organization) -> str:
    load_catalog()
    return SAMPLE_REQUIREMENT


FACTORIES: dict = {}
ROUTE_KWARGS = {"control_id": sample_control, "requirement_id": sample_requirement}
