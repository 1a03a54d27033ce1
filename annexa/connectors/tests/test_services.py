"""Configuring connectors, running them, and importing files."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annexa.connectors import services
from annexa.connectors.choices import RunStatus, Trigger
from annexa.connectors.models import CollectedItem, CollectionRun, Connector
from annexa.connectors.schema import ConfigInvalid
from annexa.connectors.tests.factories import lynis_file
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample
from annexa.core.tenancy import OrgContext
from annexa.evidence.choices import Source
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.ledger.models import LedgerEntry

CANARY = "canary-secret-7d1f"


def make_ocsf(ctx, name="Prowler", **extra):
    return services.create(
        ctx,
        name=name,
        kind="ocsf",
        values={"url": "https://findings.example.com/out.ocsf.json"},
        secrets={"token": CANARY},
        **extra,
    )


class TestConfiguration:
    def test_it_creates_a_connector_with_its_secret_sealed(self, isla):
        connector = make_ocsf(isla.ctx)
        assert connector.config == {"path": "", "url": "https://findings.example.com/out.ocsf.json"}
        assert set(connector.sealed) == {"token"}
        assert CANARY not in str(connector.sealed)
        assert services.open_secrets(connector) == {"token": CANARY}
        entry = LedgerEntry.objects.get(object_id=str(connector.uid), action="create")
        assert '"secret_fields":["token"]' in entry.data and CANARY not in entry.data

    def test_it_lets_only_managers_configure(self, colin, vera):
        for persona in (colin, vera):
            with pytest.raises(PermissionDenied):
                make_ocsf(persona.ctx)

    def test_it_reports_configuration_problems_by_field(self, isla):
        with pytest.raises(ConfigInvalid) as caught:
            services.create(isla.ctx, name="x", kind="lynis", values={"mode": "import"})
        assert "report_path" in caught.value.errors

    def test_it_refuses_an_unknown_kind_and_a_duplicate_name(self, isla):
        with pytest.raises(services.ConnectorError, match="no connector called"):
            services.create(isla.ctx, name="x", kind="nope", values={})
        make_ocsf(isla.ctx)
        with pytest.raises(services.ConnectorError, match="already exists"):
            make_ocsf(isla.ctx)

    def test_it_keeps_a_secret_left_empty_and_replaces_a_given_one(self, isla):
        connector = make_ocsf(isla.ctx)
        services.update(isla.ctx, connector, secrets={"token": ""}, interval_minutes=30)
        connector.refresh_from_db()
        assert services.open_secrets(connector) == {"token": CANARY}
        assert connector.interval_minutes == 30
        services.update(isla.ctx, connector, secrets={"token": "new-value"})
        connector.refresh_from_db()
        assert services.open_secrets(connector) == {"token": "new-value"}

    def test_it_clears_an_optional_secret(self, isla):
        connector = make_ocsf(isla.ctx)
        services.update(isla.ctx, connector, clear_secrets=("token",))
        connector.refresh_from_db()
        assert connector.sealed == {}

    def test_it_deletes_a_connector_but_keeps_its_runs(self, isla):
        connector = make_ocsf(isla.ctx)
        run = services.request_run(isla.ctx, connector)
        services.delete(isla.ctx, connector)
        run.refresh_from_db()
        assert run.connector is None and run.source == "Prowler"
        assert not Connector.objects.filter(pk=connector.pk).exists()

    def test_it_refuses_another_organizations_connector(self, isla, oscar):
        connector = make_ocsf(oscar.ctx)
        with pytest.raises(services.ConnectorError, match="another organization"):
            services.update(isla.ctx, connector, interval_minutes=30)


def lynis_connector(ctx, path="lynis-report.dat"):
    return services.create(
        ctx, name="Web server", kind="lynis", values={"mode": "import", "report_path": path}
    )


class TestRuns:
    def test_it_stores_what_a_connector_collects(self, isla, import_dir):
        shutil.copy(sample(LYNIS), import_dir / "lynis-report.dat")
        connector = lynis_connector(isla.ctx)
        run = services.request_run(isla.ctx, connector)
        items = services.execute(OrgContext.system(isla.ctx.org), run)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, run.message
        (item,) = items
        assert item.created and item.kind == "lynis" and item.stream == "lynis:vm"
        version = item.version
        assert version.source == Source.CONNECTOR and "lynis connector" in version.source_detail
        assert version.valid_until == version.effective_date + dt.timedelta(days=7)

    def test_it_adds_no_evidence_when_nothing_changed(self, isla, import_dir):
        shutil.copy(sample(LYNIS), import_dir / "lynis-report.dat")
        connector = lynis_connector(isla.ctx)
        system = OrgContext.system(isla.ctx.org)
        first = services.execute(system, services.request_run(isla.ctx, connector))[0]
        second = services.execute(system, services.request_run(isla.ctx, connector))[0]
        assert not second.created and second.version == first.version
        assert Evidence.objects.count() == 1 and EvidenceVersion.objects.count() == 1

    def test_it_adds_a_version_when_the_content_changed(self, isla, import_dir):
        lynis_file(import_dir, host="web1")
        connector = lynis_connector(isla.ctx)
        system = OrgContext.system(isla.ctx.org)
        first = services.execute(system, services.request_run(isla.ctx, connector))[0]
        (import_dir / "lynis-report.dat").write_text(
            (import_dir / "lynis-report.dat").read_text() + "hardening_index=70\n"
        )
        second = services.execute(system, services.request_run(isla.ctx, connector))[0]
        assert second.created and second.version.evidence == first.version.evidence
        assert second.version.number == 2

    def test_it_fails_a_run_that_reads_outside_the_import_directory(self, isla, import_dir):
        connector = lynis_connector(isla.ctx, path="../../../etc/passwd")
        run = services.request_run(isla.ctx, connector)
        assert services.execute(OrgContext.system(isla.ctx.org), run) == []
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and "outside the import directory" in run.message

    def test_it_fails_a_run_on_a_file_of_the_wrong_kind(self, isla, import_dir):
        shutil.copy(sample(PROWLER[0]), import_dir / "lynis-report.dat")
        run = services.request_run(isla.ctx, lynis_connector(isla.ctx))
        services.execute(OrgContext.system(isla.ctx.org), run)
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and "not a Lynis report" in run.message
        assert not Evidence.objects.exists()

    def test_it_queues_one_run_at_a_time(self, isla, import_dir):
        connector = lynis_connector(isla.ctx)
        assert services.request_run(isla.ctx, connector) == services.request_run(
            isla.ctx, connector
        )

    def test_it_lets_control_owners_run_but_not_viewers(self, isla, colin, vera):
        connector = lynis_connector(isla.ctx)
        assert services.request_run(colin.ctx, connector).trigger == Trigger.MANUAL
        with pytest.raises(PermissionDenied):
            services.request_run(vera.ctx, connector)

    def test_it_runs_a_claimed_run_only_once(self, isla, import_dir):
        lynis_file(import_dir)
        run = services.request_run(isla.ctx, lynis_connector(isla.ctx))
        system = OrgContext.system(isla.ctx.org)
        assert services.execute(system, run)
        assert services.execute(system, run) == []

    def test_it_schedules_due_connectors(self, isla, import_dir, job_queue):
        connector = lynis_connector(isla.ctx)
        now = timezone.now()
        (run,) = services.schedule_due(now)
        assert run.trigger == Trigger.SCHEDULE and run.connector == connector
        assert job_queue.jobs == [run.pk]  # its job is on the queue
        run.refresh_from_db()
        assert run.dispatched_at is not None
        connector.refresh_from_db()
        assert connector.next_run_at == now + dt.timedelta(minutes=60)
        assert services.schedule_due(now) == []  # not due again yet
        later = now + dt.timedelta(minutes=61)
        assert services.schedule_due(later) == []  # the first run is still queued

    def test_it_skips_disabled_connectors(self, isla):
        connector = lynis_connector(isla.ctx)
        services.update(isla.ctx, connector, enabled=False)
        assert services.schedule_due() == []


class TestIngest:
    def test_it_imports_a_file_detecting_its_kind(self, isla):
        item = services.ingest_file(isla.ctx, sample(OPENSCAP))
        assert item.kind == "openscap" and item.stream == "openscap:vm/DEBIAN-11/standard"
        assert item.version.source == Source.IMPORT and item.records == 355
        assert item.run.trigger == Trigger.INGEST and item.run.status == RunStatus.SUCCEEDED

    def test_it_is_idempotent(self, isla):
        first = services.ingest_file(isla.ctx, sample(LYNIS))
        second = services.ingest_file(isla.ctx, sample(LYNIS))
        assert first.created and not second.created
        assert second.version == first.version
        assert EvidenceVersion.objects.count() == 1
        assert CollectedItem.objects.count() == 2  # two imports, one piece of evidence

    def test_it_stores_a_lynis_report_under_an_accepted_name(self, isla):
        item = services.ingest_file(isla.ctx, sample(LYNIS))
        assert item.version.filename == "lynis-report-debian12.dat.txt"
        # The title carries Lynis's own counts of the real run: 2 warnings, 44 suggestions.
        assert item.version.evidence.title == "Lynis report: vm (2 warnings, 44 suggestions)"

    def test_it_stores_json_lines_as_text(self, isla, tmp_path):
        lines = tmp_path / "findings.json"
        with open(sample(PROWLER[2]), "rb") as stream:
            import json

            documents = json.load(stream)
        lines.write_text("\n".join(json.dumps(d) for d in documents) + "\n")
        item = services.ingest_file(isla.ctx, lines)
        assert item.kind == "ocsf" and item.version.filename == "findings.jsonl.txt"

    def test_it_rejects_an_invalid_file_and_stores_nothing(self, isla, tmp_path):
        broken = tmp_path / "broken.json"
        broken.write_text('[{"class_uid": 2004, "status_code": "FAIL"')
        with pytest.raises(services.ImportRejected):
            services.ingest_file(isla.ctx, broken, kind="ocsf")
        assert not CollectionRun.objects.exists() and not Evidence.objects.exists()

    def test_it_rejects_a_file_it_cannot_recognise(self, isla, tmp_path):
        mystery = tmp_path / "notes.txt"
        mystery.write_text("hello\n")
        with pytest.raises(services.ImportRejected, match="cannot tell what this file is"):
            services.ingest_file(isla.ctx, mystery)

    def test_it_rejects_a_spreadsheet_with_errors_whole(self, isla, tmp_path):
        export = tmp_path / "accounts.csv"
        export.write_text("account,system,account_status\nann,crm,enabled\nbob,crm,sideways\n")
        with pytest.raises(services.ImportRejected, match="row 3, column account_status"):
            services.ingest_file(isla.ctx, export)
        assert not Evidence.objects.exists()

    def test_it_needs_permission_to_import(self, audrey):
        with pytest.raises(PermissionDenied):
            services.ingest_file(audrey.ctx, sample(LYNIS))
