"""Evaluating stored evidence and keeping the results (idempotent per content and suite)."""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from annexa.connectors import kinds
from annexa.connectors.identity import register as identity_register
from annexa.connectors.mapping import Mapper, mapping_version
from annexa.connectors.models import CollectionRun
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.evidence.models import EvidenceVersion
from annexa.ledger import services as ledger
from annexa.monitoring import engine, loader
from annexa.monitoring.choices import RunStatus
from annexa.monitoring.models import TestResult, TestRun

EVALUATE = "connectors.run"
OBJECT_TYPE = "test_run"
BUFFER = 1024 * 1024


def suite_digest(kind: str) -> str:
    """Names the tests (and mappings) a kind is judged with; a new release re-judges."""
    tests = ",".join(f"{cls.id}:{cls.version}" for cls in loader.tests_for_kind(kind))
    return hashlib.sha256(f"{kind}|{mapping_version()}|{tests}".encode()).hexdigest()


class _Raw(io.RawIOBase):
    """Lets any ``read(n)`` stream (an S3 body) be buffered, so it can be read by lines."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


def opener(version: EvidenceVersion):
    """A callable that opens the version's content as a buffered stream, each time anew."""

    @contextlib.contextmanager
    def open_content() -> Iterator[BinaryIO]:
        raw = evidence.open_version(version)
        stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(_Raw(raw), BUFFER)
        try:
            yield stream
        finally:
            stream.close()

    return open_content


def evaluate_version(
    ctx: OrgContext,
    version: EvidenceVersion,
    *,
    kind: str,
    stream: str,
    collection: CollectionRun | None = None,
    progress: engine.Progress | None = None,
) -> tuple[TestRun, bool]:
    """Run every test of ``kind`` over ``version``; returns the run and whether it is new.

    Evaluating content that was already evaluated by the same suite returns that run.
    """
    ctx.require(EVALUATE)
    suite = suite_digest(kind)
    existing = TestRun.objects.for_org(ctx.org).filter(version=version, suite=suite).first()
    if existing is not None:
        return existing, False
    started = timezone.now()
    # The leaver test of identity snapshots also reads the people register of the organization
    # being judged (the snapshot alone does not say who has left).
    with identity_register.judging_for(ctx.org):
        evaluation = engine.evaluate(
            kinds.get(kind),
            opener(version),
            Mapper.from_catalog(),
            loader.tests_for_kind(kind),
            as_of=version.effective_date,
            progress=progress,
            sha256=version.sha256,
        )
    try:
        run = _record(ctx, version, kind, stream, suite, collection, evaluation, started)
    except IntegrityError:
        # Another worker recorded the same evaluation meanwhile: theirs stands.
        return TestRun.objects.for_org(ctx.org).get(version=version, suite=suite), False
    return run, True


def _record(
    ctx: OrgContext,
    version: EvidenceVersion,
    kind: str,
    stream: str,
    suite: str,
    collection: CollectionRun | None,
    evaluation: engine.Evaluation,
    started,
) -> TestRun:
    with transaction.atomic():
        is_latest = _supersede_run(ctx, stream, version.collected_at)
        run = TestRun.objects.create(
            organization=ctx.org,
            is_latest=is_latest,
            version=version,
            collection=collection,
            kind=kind,
            stream=stream,
            suite=suite,
            observed_at=version.collected_at,
            started_at=started,
            finished_at=timezone.now(),
            status=RunStatus.FAILED if evaluation.error else RunStatus.SUCCEEDED,
            summary=evaluation.summary(),
        )
        results = _results(ctx, run, version, evaluation)
        _replace_latest(ctx, run, results)
        ledger.append(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(run.uid),
            action="evaluate",
            data={
                "kind": kind,
                "stream": stream,
                "evidence_version": str(version.uid),
                "suite": suite,
                "status": run.status,
                "results": {r.test_id: r.status for r in results},
            },
            blob_sha256=version.sha256,
        )
    return run


def _supersede_run(ctx: OrgContext, stream: str, observed_at) -> bool:
    """Whether a new run of ``stream`` observed at ``observed_at`` is its latest (then the
    previous latest one stops being it); a run of older evidence joins the history only."""
    previous = (
        TestRun.objects.for_org(ctx.org)
        .select_for_update()
        .filter(stream=stream, is_latest=True)
        .only("pk", "observed_at")
        .first()
    )
    if previous is None:
        return True
    if previous.observed_at > observed_at:
        return False
    TestRun.objects.filter(pk=previous.pk).update(is_latest=False)
    return True


def _results(
    ctx: OrgContext, run: TestRun, version: EvidenceVersion, evaluation: engine.Evaluation
) -> list[TestResult]:
    tests = loader.all_tests()
    return [
        TestResult(
            organization=ctx.org,
            run=run,
            test_id=test_id,
            status=outcome.status,
            reason=outcome.reason[:5000],
            control_ids=list(tests[test_id].control_ids),
            resources=list(outcome.resources),
            resource_count=outcome.resource_count,
            failing_count=outcome.failing_count,
            stream=run.stream,
            observed_at=run.observed_at,
            valid_until=version.valid_until,
        )
        for test_id, outcome in sorted(evaluation.outcomes.items())
    ]


def _replace_latest(ctx: OrgContext, run: TestRun, results: list[TestResult]) -> None:
    """Mark the new results as the latest of their stream and test, unless newer evidence
    of that stream was already evaluated (then the new ones join the history only)."""
    current = {
        r.test_id: r
        for r in TestResult.objects.for_org(ctx.org)
        .select_for_update()
        .filter(stream=run.stream, is_latest=True, test_id__in=[r.test_id for r in results])
    }
    superseded = []
    for result in results:
        previous = current.get(result.test_id)
        result.is_latest = previous is None or previous.observed_at <= result.observed_at
        if previous is not None and result.is_latest:
            superseded.append(previous.pk)
    TestResult.objects.filter(pk__in=superseded).update(is_latest=False)
    TestResult.objects.bulk_create(results)
