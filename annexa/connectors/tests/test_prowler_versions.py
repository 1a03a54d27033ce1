"""Real Prowler output of several Prowler versions: the same check lands on the same controls
and is counted the same way (status, MANUAL, muted), whatever version wrote the file."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import defaultdict

import pytest

from annexa.connectors import kinds, mapping
from annexa.connectors.formats import ocsf
from annexa.connectors.mapping import Finding, Mapper
from annexa.connectors.tests.samples import PROWLER, PROWLER_RUNS, sample

AWS_EXAMPLE = PROWLER[0]  # Prowler 5.4.0's published example


@pytest.fixture
def mapper(catalog) -> Mapper:
    return Mapper.from_catalog()


def version_of(name: str) -> str:
    with open(sample(name), "rb") as stream:
        return json.load(stream)[-1]["metadata"]["product"]["version"]


def by_check(mapper: Mapper, name: str) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = defaultdict(list)
    with open(sample(name), "rb") as stream:
        for finding in ocsf.iter_findings(stream):
            found[finding.check_id].append(mapper.ocsf(finding))
    return found


def test_the_runs_come_from_different_prowler_versions():
    versions = {version_of(name) for name in PROWLER_RUNS}
    assert len(versions) == len(PROWLER_RUNS) >= 1
    assert version_of(PROWLER[1]) == "5.4.0" and "5.4.0" not in versions


@pytest.mark.parametrize("name", PROWLER_RUNS)
def test_a_check_shared_with_another_version_lands_on_the_same_controls(mapper, name):
    """Each run against the example of Prowler 5.4.0 and against every other run."""
    table = mapping.prowler_checks()
    run = by_check(mapper, name)
    for other in [AWS_EXAMPLE, *(n for n in PROWLER_RUNS if n != name)]:
        theirs = by_check(mapper, other)
        shared = set(run) & set(theirs)
        assert shared, (name, other)
        for check in shared:
            expected = {tuple(table[check]["controls"])}
            assert {f.controls for f in run[check]} == expected, check
            assert {f.controls for f in theirs[check]} == expected, check
            assert {f.topic for f in run[check]} == {f.topic for f in theirs[check]}, check


def test_a_manual_check_is_a_manual_check_in_every_version(mapper):
    for name in (AWS_EXAMPLE, *PROWLER_RUNS):
        findings = by_check(mapper, name)["account_security_contact_information_is_registered"]
        assert [f.status for f in findings] == ["manual"], name


def test_the_runs_are_counted_identically(mapper):
    """The runs scanned one emulated account: per check, the same resources with the same
    results (a muted finding is muted in each), and the engine's per-control counts agree;
    only the producer's own compliance entries (related, never counted) may differ."""
    from annexa.monitoring import engine

    def evaluate(name: str) -> engine.Evaluation:
        @contextlib.contextmanager
        def open_content():
            with open(sample(name), "rb") as stream:
                yield stream

        return engine.evaluate(
            kinds.get("ocsf"), open_content, mapper, [], as_of=dt.date(2025, 6, 30)
        )

    first, *others = PROWLER_RUNS
    reference = by_check(mapper, first)
    counted = evaluate(first)
    statuses = {f.status for fs in reference.values() for f in fs}
    assert {"pass", "fail", "manual", "muted"} <= statuses
    assert others, "runs of at least two Prowler versions"
    for name in others:
        run = by_check(mapper, name)
        assert set(run) == set(reference), name
        for check, findings in run.items():
            mine = sorted((f.resource, f.status) for f in findings)
            assert mine == sorted((f.resource, f.status) for f in reference[check]), check
        result = evaluate(name)
        assert result.controls == counted.controls, name
        assert result.findings == counted.findings and result.unmapped == counted.unmapped
        # Prowler 5.46.0 writes its own ISO27001-2022 entries, 4.6.2 none: shown, not counted.
        assert result.related != counted.related, name
