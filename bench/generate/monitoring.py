"""A year of control-test results: two systems per evidence kind, each evaluated at a regular
interval by every control test of its kind, and the control status they leave."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

from bench.generate.evidence import write_blobs
from bench.generate.state import CHUNK, Build

STREAMS_PER_KIND = 2
PASS_REASON, FAIL_REASON = "Every resource passes.", "2 resources fail the test."


def build_results(b: Build) -> None:
    """Two systems per evidence kind, each evaluated at a regular interval over the year
    before ``today`` by every control test of its kind (one evidence version per run)."""
    from annexa.monitoring.loader import all_tests

    kinds: dict[str, list] = {}
    for test in all_tests().values():
        kinds.setdefault(test.evidence_kind, []).append(test)
    per_round = STREAMS_PER_KIND * sum(len(t) for t in kinds.values())
    runs = max(1, math.ceil(b.size["results"] / per_round))
    for kind, tests in sorted(kinds.items()):
        for s in range(STREAMS_PER_KIND):
            _stream(b, kind, f"{kind}:system-{s + 1}", tests, runs)


def _stream(b: Build, kind: str, stream: str, tests: list, runs: int) -> None:
    from django.db import transaction

    from annexa.evidence.models import Evidence, EvidenceVersion
    from annexa.evidence.services import OBJECT_TYPE, _version_record
    from annexa.ledger.services import Record
    from annexa.monitoring.models import TestResult, TestRun
    from annexa.monitoring.services.evaluation import OBJECT_TYPE as RUN_TYPE
    from annexa.monitoring.services.evaluation import suite_digest

    rng, suite = b.rng, suite_digest(kind)
    step = dt.timedelta(days=365) / runs
    first_time = b.now - dt.timedelta(days=365)
    evidence = Evidence.objects.create(
        organization=b.org,
        uid=b.uid(),
        title=f"{kind} snapshot of {stream}",
        created_at=first_time,
    )
    failing = {t.id: rng.random() < 0.15 for t in tests}  # each system's weak spots
    for start in range(0, runs, max(1, CHUNK // len(tests))):
        numbers = range(start + 1, min(runs, start + max(1, CHUNK // len(tests))) + 1)
        at = [first_time + step * (n - 1) for n in numbers]
        contents = [
            json.dumps({"stream": stream, "kind": kind, "collected_at": t.isoformat()}).encode()
            for t in at
        ]
        hashes = [hashlib.sha256(c).hexdigest() for c in contents]
        write_blobs(zip(hashes, contents, strict=True))
        versions = [
            EvidenceVersion(
                organization=b.org,
                uid=b.uid(),
                evidence=evidence,
                number=n,
                sha256=h,
                size=len(c),
                media_type="application/json",
                filename=f"{kind}-snapshot.json",
                source="connector",
                source_detail=f"{kind} connector",
                collected_at=t,
                effective_date=t.date(),
                valid_until=t.date() + dt.timedelta(days=7),
            )
            for n, h, c, t in zip(numbers, hashes, contents, at, strict=True)
        ]
        latest = numbers[-1] == runs
        test_runs = [
            TestRun(
                organization=b.org,
                uid=b.uid(),
                version=v,
                kind=kind,
                stream=stream,
                suite=suite,
                observed_at=v.collected_at,
                started_at=v.collected_at,
                finished_at=v.collected_at + dt.timedelta(seconds=2),
                status="succeeded",
                summary={"tests": len(tests)},
                is_latest=latest and v.number == runs,
            )
            for v in versions
        ]
        results, records = [], []
        for v, run in zip(versions, test_runs, strict=True):
            outcome = {}
            for test in tests:
                fails = failing[test.id] and rng.random() < 0.7
                outcome[test.id] = "fail" if fails else "pass"
                results.append(
                    TestResult(
                        organization=b.org,
                        run=run,
                        test_id=test.id,
                        status=outcome[test.id],
                        reason=FAIL_REASON if fails else PASS_REASON,
                        control_ids=list(test.control_ids),
                        resources=["resource-1", "resource-2"] if fails else [],
                        resource_count=20,
                        failing_count=2 if fails else 0,
                        stream=stream,
                        observed_at=v.collected_at,
                        valid_until=v.valid_until,
                        is_latest=run.is_latest,
                    )
                )
            action = "create" if v.number == 1 else "add_version"
            data = {"version": _version_record(v)}
            if v.number == 1:
                data.update(title=evidence.title, controls=[], requirements=[])
            records.append(Record(OBJECT_TYPE, str(evidence.uid), action, data, v.sha256))
            records.append(
                Record(
                    RUN_TYPE,
                    str(run.uid),
                    "evaluate",
                    {
                        "kind": kind,
                        "stream": stream,
                        "evidence_version": str(v.uid),
                        "suite": suite,
                        "status": run.status,
                        "results": outcome,
                    },
                    v.sha256,
                )
            )
        with transaction.atomic():
            EvidenceVersion.objects.bulk_create(versions, batch_size=2000)
            TestRun.objects.bulk_create(test_runs, batch_size=2000)
            TestResult.objects.bulk_create(results, batch_size=2000)
            if latest:
                evidence.current_version = versions[-1]
                evidence.save(update_fields=["current_version"])
            b.append(records)


def refresh_status(b: Build) -> None:
    from annexa.monitoring.services import status

    status.refresh(b.ctx, reason="generated results")
