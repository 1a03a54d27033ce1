"""Background jobs: scheduled collection and status refresh (huey runs inline in tests)."""

from __future__ import annotations

import datetime as dt
import shutil

from django.utils import timezone

from annexa.connectors import services as connectors
from annexa.connectors.choices import RunStatus, Trigger
from annexa.connectors.models import CollectionRun
from annexa.connectors.tests.samples import LYNIS, sample
from annexa.evidence.models import EvidenceVersion
from annexa.monitoring import tasks
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState, TestResult, TestRun


def test_it_collects_due_connectors_and_judges_them(isla, catalog, home):
    folder = home / "imports" / "acme"
    folder.mkdir(parents=True)
    shutil.copy(sample(LYNIS), folder / "report.dat")
    connectors.create(
        isla.ctx, name="web1", kind="lynis", values={"mode": "import", "report_path": "report.dat"}
    )
    assert tasks.schedule_connectors.call_local() == 1
    run = CollectionRun.objects.get()
    assert run.trigger == Trigger.SCHEDULE and run.status == RunStatus.SUCCEEDED, run.message
    assert TestRun.objects.get().collection == run
    assert ControlState.objects.get(control_id="A.8.7").status == ControlStatus.FAILING
    assert tasks.schedule_connectors.call_local() == 0  # next run in an hour


def test_it_ignores_a_run_that_disappeared(db):
    assert tasks.collect.call_local(123456) == "gone"


def test_it_refreshes_statuses_as_evidence_goes_stale(isla, catalog):
    from annexa.monitoring import services

    services.ingest(isla.ctx, sample(LYNIS))
    # The report's validity ends: its control test results and its scanner rules go stale.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    TestResult.objects.update(valid_until=yesterday)
    EvidenceVersion.objects.update(valid_until=yesterday)
    assert tasks.refresh_statuses.call_local() >= 1
    assert ControlState.objects.get(control_id="A.8.7").status == ControlStatus.STALE
