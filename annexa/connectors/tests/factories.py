"""Factories of the connectors app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from annexa.connectors import secrets, services
from annexa.connectors.models import CollectedItem, CollectionRun, Connector
from annexa.core.tenancy import OrgContext
from annexa.orgs.models import Organization

LYNIS_REPORT = """# Lynis Report
report_version_major=1
report_version_minor=0
lynis_version=3.0.8
hostname={host}
firewall_active=1
firewall_empty_ruleset=0
tests_executed=FIRE-4590|
finish=true
"""


def make_connector(org: Organization) -> Connector:
    """An OCSF connector reading a URL with a (sealed) bearer token."""
    secrets.ensure_keyring()
    return services.create(
        OrgContext.system(org),
        name=f"Prowler {uuid.uuid4().hex[:8]}",
        kind="ocsf",
        values={"url": "https://findings.example.com/prowler.ocsf.json"},
        secrets={"token": f"token-{uuid.uuid4()}"},
    )


def make_run(org: Organization) -> CollectionRun:
    return services.request_run(OrgContext.system(org), make_connector(org))


def lynis_file(directory: Path, host: str | None = None) -> Path:
    """A small, real-format Lynis report for a unique host."""
    path = directory / "lynis-report.dat"
    path.write_text(LYNIS_REPORT.format(host=host or f"host-{uuid.uuid4().hex[:8]}"))
    return path


def make_item(org: Organization) -> CollectedItem:
    """A file import of a small Lynis report."""
    with tempfile.TemporaryDirectory() as scratch:
        return services.ingest_file(OrgContext.system(org), lynis_file(Path(scratch)))


FACTORIES = {Connector: make_connector, CollectionRun: make_run, CollectedItem: make_item}
