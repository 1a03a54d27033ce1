"""Factories of the monitoring app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils import timezone

from annexa.catalog.choices import Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control
from annexa.connectors.tests.factories import lynis_file
from annexa.core.tenancy import OrgContext
from annexa.monitoring import services
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState, ControlStatusChange, TestResult, TestRun
from annexa.orgs.models import Organization

SAMPLE_CONTROL = "A.8.20"


def sample_control() -> Control:
    control, _ = Control.objects.get_or_create(
        id=SAMPLE_CONTROL,
        defaults={
            "title": "Networks security",
            "theme": Theme.TECHNOLOGICAL,
            "sort_key": sort_key(SAMPLE_CONTROL),
        },
    )
    return control


def make_test_run(org: Organization) -> TestRun:
    """A Lynis report imported and judged (unique content, so a new run each time)."""
    sample_control()
    with tempfile.TemporaryDirectory() as scratch:
        return services.ingest(OrgContext.system(org), lynis_file(Path(scratch))).run


def make_result(org: Organization) -> TestResult:
    return make_test_run(org).results.order_by("test_id").first()


def make_state(org: Organization) -> ControlState:
    state, _ = ControlState.objects.get_or_create(
        organization=org,
        control=sample_control(),
        defaults={"status": ControlStatus.PASSING},
    )
    return state


def make_change(org: Organization) -> ControlStatusChange:
    return ControlStatusChange.objects.create(
        organization=org,
        control=sample_control(),
        previous=ControlStatus.PASSING,
        status=ControlStatus.FAILING,
        no_longer_functioning=True,
        at=timezone.now(),
        reason="factory",
    )


FACTORIES = {
    TestRun: make_test_run,
    TestResult: make_result,
    ControlState: make_state,
    ControlStatusChange: make_change,
}
