"""Factories of the monitoring app for the all-routes access test (``tests/test_access.py``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils import timezone

from annexa.catalog.choices import Theme
from annexa.catalog.ids import sort_key
from annexa.catalog.models import Control
from annexa.connectors import secrets
from annexa.connectors.tests.factories import lynis_file
from annexa.core.tenancy import OrgContext
from annexa.monitoring import services
from annexa.monitoring.choices import Channel, ControlStatus, NotificationEvent
from annexa.monitoring.models import (
    ControlState,
    ControlStatusChange,
    MonitoringSettings,
    Notification,
    TestResult,
    TestRun,
)
from annexa.monitoring.services import notifications
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


def make_settings(org: Organization) -> MonitoringSettings:
    """Settings with a webhook and its (sealed) secret."""
    secrets.ensure_keyring()
    return notifications.update_settings(
        OrgContext.system(org),
        webhook_url="https://hooks.example.com/annexa",
        webhook_secret=f"whsec-{org.slug}-0123456789abcdef",
    )


def make_notification(org: Organization) -> Notification:
    return Notification.objects.create(
        organization=org,
        change=make_change(org),
        event=NotificationEvent.NO_LONGER_FUNCTIONING,
        channel=Channel.EMAIL,
        recipient=f"owner@{org.slug}.test",
    )


FACTORIES = {
    MonitoringSettings: make_settings,
    Notification: make_notification,
    TestRun: make_test_run,
    TestResult: make_result,
    ControlState: make_state,
    ControlStatusChange: make_change,
}
