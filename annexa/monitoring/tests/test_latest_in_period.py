"""The database picks what the checklist and the control status show, in a constant number of
queries: the latest result of each test on each system in an audit's period, the latest file of
each system in it, and the uploaded evidence counted per control.

``reference`` is the way the checklist picked them before (every result of the period read,
newest first, and the first of each test and system kept in Python): the database's pick must
be the same in the tricky cases — several results per test and system, results before and after
the period, two results observed at the same time (the later recorded one wins), and a latest
result that does not apply (the newest one before it that does is shown)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annexa.audits.models import Audit
from annexa.audits.services import checklist as checklist_service
from annexa.audits.services import checklist_rows
from annexa.audits.tests.fieldwork_fixtures import build_audit
from annexa.core.tenancy import OrgContext
from annexa.evidence import services as evidence
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.monitoring import checklist as monitoring_checklist
from annexa.monitoring import loader
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.models import TestResult, TestRun

CONTROL = "A.8.15"  # logging: several Lynis, Linux and cloud tests speak for it
START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 13)
NA = ResultStatus.NOT_APPLICABLE


def at(day: int, hour: int = 12) -> dt.datetime:
    """A time ``day`` days after the period's first day (negative: before it)."""
    moment = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour))
    return timezone.make_aware(moment)


class History:
    """Test runs and results written directly (the evaluation's rows, without parsing files),
    then marked ``is_latest`` as the evaluation marks them: per system the newest run, per
    system and test the newest result (the later recorded one when observed at the same time)."""

    def __init__(self, org) -> None:
        self.org = org
        self.numbers = count(1)
        self.evidence: dict[str, Evidence] = {}

    def run(self, stream: str, when: dt.datetime, results=None, rules=None) -> TestRun:
        """A run of ``stream`` observed at ``when``: ``results`` maps test ids to statuses,
        ``rules`` the control ids to scanner rule counts."""
        item = self.evidence.get(stream)
        if item is None:
            item = Evidence.objects.create(organization=self.org, title=f"snapshots of {stream}")
            self.evidence[stream] = item
        number = next(self.numbers)
        version = EvidenceVersion.objects.create(
            organization=self.org,
            evidence=item,
            number=number,
            sha256=hashlib.sha256(str(number).encode()).hexdigest(),
            size=1,
            media_type="application/json",
            filename="snapshot.json",
            source="connector",
            collected_at=when,
            effective_date=when.date(),
        )
        run = TestRun.objects.create(
            organization=self.org,
            version=version,
            kind="lynis",
            stream=stream,
            suite=f"suite-{number}",
            observed_at=when,
            status="succeeded",
            summary={"controls": rules or {}},
        )
        tests = loader.all_tests()
        for test_id, status in (results or {}).items():
            TestResult.objects.create(
                organization=self.org,
                run=run,
                test_id=test_id,
                status=status,
                reason=f"{status} at {when:%Y-%m-%d %H:%M}",
                control_ids=list(tests[test_id].control_ids),
                stream=stream,
                observed_at=when,
                is_latest=False,
            )
        return run

    def mark_latest(self) -> None:
        runs = TestRun.objects.filter(organization=self.org)
        results = TestResult.objects.filter(organization=self.org)
        runs.update(is_latest=False)
        results.update(is_latest=False)
        newest_runs = {
            stream: pk
            for pk, stream in runs.order_by("observed_at", "id").values_list("pk", "stream")
        }
        runs.filter(pk__in=newest_runs.values()).update(is_latest=True)
        newest = {
            (stream, test_id): pk
            for pk, stream, test_id in results.order_by("observed_at", "id").values_list(
                "pk", "stream", "test_id"
            )
        }
        results.filter(pk__in=newest.values()).update(is_latest=True)


def reference(audit) -> tuple[dict, dict]:
    """The pick as it was made before: ({(test, system): result pk}, {system: run pk})."""
    begin = monitoring_checklist._day_start(START)
    end = monitoring_checklist._day_start(END + dt.timedelta(days=1))
    tests = [cls.id for cls in loader.tests_for_control(CONTROL)]
    results: dict = {}
    rows = (
        TestResult.objects.filter(organization=audit.organization, test_id__in=tests)
        .filter(observed_at__gte=begin, observed_at__lt=end)
        .exclude(status=NA)
        .order_by("test_id", "stream", "-observed_at", "-id")
        .values_list("test_id", "stream", "pk")
    )
    for test_id, stream, pk in rows:
        results.setdefault((test_id, stream), pk)
    runs: dict = {}
    in_period = (
        TestRun.objects.filter(organization=audit.organization)
        .filter(observed_at__gte=begin, observed_at__lt=end)
        .order_by("stream", "-observed_at", "-id")
        .values_list("stream", "pk")
    )
    for stream, pk in in_period:
        runs.setdefault(stream, pk)
    return results, runs


def picked(item) -> tuple[dict, dict]:
    """What the checklist shows for ``item``, in the shape of ``reference``."""
    entries = checklist_rows.automated_results(item)
    rules = {e["system"]: e["run_id"] for e in entries if e["test_id"].endswith(" rules")}
    results = {}
    for entry in entries:
        if entry["test_id"].endswith(" rules"):
            continue
        assert (entry["test_id"], entry["system"]) not in results, "one entry per test and system"
        result = TestResult.objects.get(
            run_id=entry["run_id"], test_id=entry["test_id"], stream=entry["system"]
        )
        assert (entry["status"], entry["observed_at"]) == (
            result.status,
            result.observed_at.isoformat(),
        )
        results[(entry["test_id"], entry["system"])] = result.pk
    return results, rules


@pytest.fixture
def item(acme, audrey, isla, catalog):
    """The A.8.15 item of an audit that ran from START to END (it has ended: the period does
    not depend on today)."""
    audit = build_audit(acme, lead=audrey.user, members=[isla.user], controls=(CONTROL,))
    Audit.objects.filter(pk=audit.pk).update(
        planned_start=START, planned_end=END, actual_start=START, actual_end=END
    )
    audit.refresh_from_db()
    checklist_service.generate(OrgContext.system(acme), audit)
    return audit.checklist_items.select_related("audit").get(control_id=CONTROL)


@pytest.fixture
def history(acme) -> History:
    return History(acme)


@pytest.fixture
def tests_of_control() -> list[str]:
    found = sorted(cls.id for cls in loader.tests_for_control(CONTROL))
    assert len(found) >= 3
    return found


def test_it_shows_the_latest_result_of_each_test_on_each_system_in_the_period(
    item, history, tests_of_control
):
    first, second = tests_of_control[:2]
    history.run("lynis:web1", at(-3), {first: "pass"})  # before the period
    both = history.run("lynis:web1", at(1), {first: "fail", second: "fail"})
    newest = history.run("lynis:web1", at(4), {first: "pass"})
    history.run("lynis:web1", at(20), {first: "fail", second: "pass"})  # after it: the latest
    other = history.run("lynis:web2", at(2), {first: "error"})
    history.mark_latest()

    results, _ = picked(item)
    assert results == reference(item.audit)[0]
    assert {key: TestResult.objects.get(pk=pk).run_id for key, pk in results.items()} == {
        (first, "lynis:web1"): newest.pk,
        (second, "lynis:web1"): both.pk,  # its only result in the period
        (first, "lynis:web2"): other.pk,
    }


def test_of_two_results_observed_at_the_same_time_the_later_recorded_one_is_shown(
    item, history, tests_of_control
):
    test = tests_of_control[0]
    history.run("lynis:web1", at(3), {test: "fail"})
    later = history.run("lynis:web1", at(3), {test: "pass"})
    history.mark_latest()

    results, _ = picked(item)
    assert results == reference(item.audit)[0]
    assert TestResult.objects.get(pk=results[(test, "lynis:web1")]).run_id == later.pk


def test_a_latest_result_that_does_not_apply_gives_way_to_the_one_before_it(
    item, history, tests_of_control
):
    first, second, third = tests_of_control[:3]
    older = history.run("lynis:web1", at(1), {first: "fail", second: NA})
    history.run("lynis:web1", at(5), {first: NA, second: NA, third: NA})
    history.mark_latest()

    results, _ = picked(item)
    assert results == reference(item.audit)[0]
    # The first test's latest result does not apply: its failure before it is shown; the
    # others never applied in the period, so they show nothing.
    assert list(results) == [(first, "lynis:web1")]
    assert TestResult.objects.get(pk=results[(first, "lynis:web1")]).run_id == older.pk


def test_it_shows_the_scanner_rules_of_the_latest_file_of_each_system_in_the_period(item, history):
    failing = {CONTROL: {"fail": 1, "pass": 2}}
    passing = {CONTROL: {"pass": 3}}
    history.run("lynis:web1", at(-1), rules=failing)
    history.run("lynis:web1", at(2), rules=failing)
    tie = history.run("lynis:web1", at(6), rules=failing)
    newest = history.run("lynis:web1", at(6), rules=passing)  # same time, recorded later
    history.run("lynis:web1", at(30), rules=failing)  # after the period
    silent = history.run("lynis:web2", at(3), rules={CONTROL: {"notapplicable": 4}})
    history.mark_latest()

    _, rules = picked(item)
    assert rules == {"lynis:web1": newest.pk}  # web2's rules say nothing about the control
    assert reference(item.audit)[1] == {"lynis:web1": newest.pk, "lynis:web2": silent.pk}
    assert tie.pk < newest.pk
    (entry,) = [e for e in checklist_rows.automated_results(item) if e["test_id"] == "lynis rules"]
    assert entry["status"] == ResultStatus.PASS


def test_a_long_mixed_history_gives_what_reading_it_all_gave(item, history, tests_of_control):
    """Many systems and results, statuses that do not apply, times that repeat."""
    rng = random.Random(16)
    statuses = ["pass", "fail", "error", NA, NA]
    for _ in range(60):
        stream = f"lynis:host{rng.randint(1, 4)}"
        when = at(rng.randint(-4, 16), hour=rng.choice([9, 12]))
        tests = rng.sample(tests_of_control, rng.randint(1, len(tests_of_control)))
        rules = {CONTROL: {rng.choice(["pass", "fail", "error"]): 1}}
        history.run(stream, when, {t: rng.choice(statuses) for t in tests}, rules)
    history.mark_latest()

    results, rules = picked(item)
    expected_results, expected_rules = reference(item.audit)
    assert results == expected_results
    assert rules == expected_rules
    assert len(results) > 4 and len(rules) > 1


def _queries(function) -> int:
    """The queries of ``function`` computed afresh (no evidence summary kept from before)."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_the_checklist_reads_its_automated_results_in_two_queries_whatever_the_history(
    item, history, tests_of_control
):
    audit = item.audit
    assert audit.organization  # read once, as the checklist's views have it
    items = [item]
    history.run("lynis:web1", at(1), {tests_of_control[0]: "pass"}, {CONTROL: {"pass": 1}})
    history.mark_latest()
    few = _queries(lambda: monitoring_checklist.automated_results(audit, items))
    for day in range(2, 12):
        for host in range(1, 6):
            results = {t: "fail" for t in tests_of_control}
            history.run(f"lynis:host{host}", at(day), results, {CONTROL: {"fail": 1}})
    history.mark_latest()
    found = monitoring_checklist.automated_results(audit, items)
    assert len(found[item.pk]) == (1 + 1) + 5 * (len(tests_of_control) + 1)  # tests and rules
    assert _queries(lambda: monitoring_checklist.automated_results(audit, items)) == few == 2


def test_uploaded_evidence_is_counted_per_control(isla, catalog):
    today = timezone.localdate()
    old = today - dt.timedelta(days=30)
    stored = evidence.store(
        isla.ctx, chunks=[b"policy\n"], filename="a.txt", controls=["A.5.1", "A.5.2"]
    )
    evidence.store(
        isla.ctx,
        chunks=[b"expired\n"],
        filename="b.txt",
        controls=["A.5.1"],
        effective_date=old,
        valid_days=10,
        collected_at=timezone.now() - dt.timedelta(days=30),
    )
    evidence.store(
        isla.ctx, chunks=[b"still valid\n"], filename="c.txt", controls=["A.5.1"], valid_days=60
    )
    evidence.store(  # not uploaded: automated evidence speaks through its test results
        isla.ctx,
        chunks=[b"export\n"],
        filename="d.txt",
        controls=["A.5.2"],
        source="connector",
        source_detail="test connector 1.0",
    )
    evidence.store(isla.ctx, chunks=[b"no control\n"], filename="e.txt")

    views = derivation.derive(isla.ctx.org, today, control_ids=["A.5.1", "A.5.2", "A.5.3"])
    assert (views["A.5.1"].manual_fresh, views["A.5.1"].manual_stale) == (2, 1)
    assert (views["A.5.2"].manual_fresh, views["A.5.2"].manual_stale) == (1, 0)
    assert (views["A.5.3"].manual_fresh, views["A.5.3"].manual_stale) == (0, 0)
    newest = max(v.collected_at for v in EvidenceVersion.objects.filter(evidence__controls="A.5.1"))
    assert views["A.5.1"].newest_evidence == newest
    assert views["A.5.2"].newest_evidence == stored.collected_at
    assert views["A.5.3"].newest_evidence is None
    # Past its 60 days the third one is stale too.
    later = derivation.derive(isla.ctx.org, today + dt.timedelta(days=61), control_ids=["A.5.1"])
    assert (later["A.5.1"].manual_fresh, later["A.5.1"].manual_stale) == (1, 2)


def test_the_status_reads_uploaded_evidence_in_constant_queries(isla, catalog):
    def upload(n: int) -> None:
        for i in range(n):
            evidence.store(
                isla.ctx, chunks=[f"{n}-{i}\n".encode()], filename="f.txt", controls=["A.5.1"]
            )

    upload(2)
    few = _queries(lambda: derivation.derive(isla.ctx.org))
    upload(20)
    assert derivation.derive(isla.ctx.org)["A.5.1"].manual_fresh == 22
    # Four to derive, seven to keep the evidence counted until it changes: its fingerprint,
    # the cache read and Django's database-cache write (evidence.summaries).
    assert _queries(lambda: derivation.derive(isla.ctx.org)) == few == 11
    # Asked again with nothing changed, the kept counts are read instead of counted.
    with CaptureQueriesContext(connection) as again:
        assert derivation.derive(isla.ctx.org)["A.5.1"].manual_fresh == 22
    assert len(again) == 5
