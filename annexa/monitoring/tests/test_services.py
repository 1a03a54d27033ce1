"""Judging evidence over time: idempotent runs, latest results, control statuses, transitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.ledger.models import LedgerEntry
from annexa.monitoring import services
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import ControlState, ControlStatusChange, TestResult, TestRun


def lynis_report(tmp_path, name: str = "report.dat", host: str = "web1", **values) -> object:
    """A small Lynis report; values become ``key=value`` lines."""
    lines = ["# Lynis Report", "lynis_version=3.0.8", f"hostname={host}"]
    lines += [f"{key}={value}" for key, value in values.items()]
    lines.append("finish=true")  # the line Lynis writes last: the report is complete
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def ctx(isla, catalog) -> OrgContext:
    return isla.ctx


def test_it_evaluates_the_same_content_once(ctx, tmp_path):
    judged = services.ingest(ctx, lynis_report(tmp_path, firewall_active=1))
    again, new = services.evaluate_version(
        ctx, judged.item.version, kind="lynis", stream=judged.item.stream
    )
    assert again == judged.run and new is False
    assert TestRun.objects.count() == 1
    assert TestResult.objects.count() == len(judged.run.results.all()) == 19


def test_it_records_the_run_in_the_ledger(ctx, tmp_path):
    # A firewall passes only when Lynis read its rule set (FIRE-4512, iptables).
    judged = services.ingest(
        ctx, lynis_report(tmp_path, firewall_active=1, tests_executed="FIRE-4512|")
    )
    entry = LedgerEntry.objects.get(object_type="test_run", object_id=str(judged.run.uid))
    assert '"lynis_firewall_active":"pass"' in entry.data
    assert entry.blob_sha256 == judged.item.version.sha256


def test_it_keeps_the_newest_evidence_as_the_latest_result(ctx, tmp_path):
    older = services.ingest(ctx, lynis_report(tmp_path, "a.dat", malware_scanner_installed=1))
    newer = services.ingest(ctx, lynis_report(tmp_path, "b.dat", malware_scanner_installed=0))
    latest = TestResult.objects.get(test_id="lynis_malware_scanner", is_latest=True)
    assert latest.run == newer.run and latest.status == "fail"
    assert older.run.results.get(test_id="lynis_malware_scanner").is_latest is False


def test_it_files_late_evidence_into_history_only(ctx, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, "new.dat", malware_scanner_installed=0))
    late = evidence.store(
        ctx,
        path=lynis_report(tmp_path, "old.dat", malware_scanner_installed=1),
        filename="old.txt",
        collected_at=timezone.now() - dt.timedelta(days=3),
    )
    run, _new = services.evaluate_version(ctx, late, kind="lynis", stream="lynis:web1")
    assert run.results.get(test_id="lynis_malware_scanner").is_latest is False
    assert TestResult.objects.get(test_id="lynis_malware_scanner", is_latest=True).status == "fail"


def test_it_derives_passing_and_failing_controls(ctx, tmp_path):
    services.ingest(
        ctx,
        lynis_report(
            tmp_path,
            firewall_active=1,
            firewall_empty_ruleset=0,
            malware_scanner_installed=0,
            tests_executed="FIRE-4512|",
        ),
    )
    views = derivation.derive(ctx.org)
    assert views["A.8.20"].status == ControlStatus.PASSING
    assert views["A.8.7"].status == ControlStatus.FAILING
    assert views["A.5.1"].status == ControlStatus.NOT_COVERED
    assert views["A.8.20"].automated_tests == ["lynis_firewall_active"]


def test_it_derives_manual_only_and_stale_from_uploaded_evidence(ctx):
    evidence.store(ctx, chunks=[b"policy v3\n"], filename="policy.txt", controls=["A.5.1"])
    evidence.store(
        ctx,
        chunks=[b"old review\n"],
        filename="review.txt",
        controls=["A.5.18"],
        effective_date=timezone.localdate() - dt.timedelta(days=30),
        valid_days=10,
    )
    views = derivation.derive(ctx.org)
    assert views["A.5.1"].status == ControlStatus.MANUAL_ONLY
    assert views["A.5.18"].status == ControlStatus.STALE
    assert views["A.5.18"].manual_stale == 1


def test_it_derives_stale_when_automated_evidence_expired(ctx, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, malware_scanner_installed=1), valid_days=1)
    assert derivation.derive(ctx.org)["A.8.7"].status == ControlStatus.PASSING
    later = timezone.localdate() + dt.timedelta(days=5)
    assert derivation.derive(ctx.org, today=later)["A.8.7"].status == ControlStatus.STALE


def test_it_marks_a_control_that_stopped_passing_as_no_longer_functioning(ctx, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, "a.dat", malware_scanner_installed=1))
    assert ControlState.objects.get(control_id="A.8.7").status == ControlStatus.PASSING
    services.ingest(ctx, lynis_report(tmp_path, "b.dat", malware_scanner_installed=0))
    change = ControlStatusChange.objects.filter(control_id="A.8.7").first()
    assert (change.previous, change.status) == (ControlStatus.PASSING, ControlStatus.FAILING)
    assert change.no_longer_functioning
    state = ControlState.objects.get(control_id="A.8.7")
    assert state.status == ControlStatus.FAILING and state.no_longer_functioning
    entry = LedgerEntry.objects.filter(object_type="control_status", object_id="A.8.7").last()
    assert '"no_longer_functioning":true' in entry.data
    services.ingest(ctx, lynis_report(tmp_path, "c.dat", malware_scanner_installed=1))
    state.refresh_from_db()
    assert state.status == ControlStatus.PASSING and not state.no_longer_functioning


def test_it_does_not_call_a_first_failure_no_longer_functioning(ctx, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, malware_scanner_installed=0))
    change = ControlStatusChange.objects.get(control_id="A.8.7")
    assert change.previous == "" and change.status == ControlStatus.FAILING
    assert not change.no_longer_functioning


def test_it_calls_on_transition_once_per_change(ctx, tmp_path, monkeypatch):
    from annexa.monitoring.services import status as status_services

    calls = []
    original = status_services.on_transition

    def spy(ctx, change, state):
        calls.append(change.control_id)
        original(ctx, change, state)

    monkeypatch.setattr(status_services, "on_transition", spy)
    services.ingest(ctx, lynis_report(tmp_path, malware_scanner_installed=0, firewall_active=1))
    assert sorted(calls) == sorted(c.control_id for c in ControlStatusChange.objects.all())
    assert {"A.8.7", "A.8.20"} <= set(calls)


def test_it_records_evidence_going_stale_on_refresh(ctx, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, malware_scanner_installed=1))
    TestResult.objects.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    changes = services.refresh(ctx)
    stale = [c for c in changes if c.control_id == "A.8.7"]
    assert stale and stale[0].status == ControlStatus.STALE
    assert "freshness" in stale[0].reason
    assert services.refresh(ctx) == []  # nothing changed since


def test_it_keeps_organizations_apart(ctx, oscar, tmp_path):
    services.ingest(ctx, lynis_report(tmp_path, malware_scanner_installed=0))
    assert derivation.derive(oscar.ctx.org)["A.8.7"].status == ControlStatus.NOT_COVERED
