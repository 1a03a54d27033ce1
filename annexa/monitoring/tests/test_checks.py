"""Every control test passes, fails and handles empty input as its docstring says."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.connectors.formats.snapshot import KINDS as SNAPSHOT_KINDS
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring import loader
from annexa.monitoring.choices import ResultStatus
from annexa.monitoring.tests import cases_identity
from annexa.monitoring.tests.cases import ALL, AS_OF, EMPTY_REPORT, LYNIS, account

IDS = [case[0] for case in ALL]


def run(test_id: str, records: list):
    return loader.all_tests()[test_id].evaluate(records, as_of=AS_OF)


def test_it_has_pass_fail_and_empty_cases_for_every_test():
    # The leaver test needs the people register: its cases live in test_identity_checks.py.
    expected = sorted([*IDS, *cases_identity.ELSEWHERE])
    assert expected == sorted(loader.all_tests()), "add the missing cases to cases.py"
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize(("test_id", "passing", "failing", "empty"), ALL, ids=IDS)
def test_it_passes(test_id, passing, failing, empty):
    outcome = run(test_id, passing)
    assert outcome.status == ResultStatus.PASS, outcome.reason
    assert outcome.failing_count == 0 and outcome.reason


@pytest.mark.parametrize(("test_id", "passing", "failing", "empty"), ALL, ids=IDS)
def test_it_fails(test_id, passing, failing, empty):
    outcome = run(test_id, failing)
    assert outcome.status == ResultStatus.FAIL, outcome.reason
    assert outcome.failing_count >= 1 and outcome.reason


@pytest.mark.parametrize(("test_id", "passing", "failing", "empty"), ALL, ids=IDS)
def test_it_handles_empty_input(test_id, passing, failing, empty):
    kind = loader.all_tests()[test_id].evidence_kind
    records = EMPTY_REPORT if kind == "lynis" else []
    if kind in SNAPSHOT_KINDS:  # a snapshot that holds nothing: each test must say so
        records = [Snapshot(kind, "empty.example", {})]
    outcome = run(test_id, records)
    assert outcome.status == empty, outcome.reason
    assert outcome.reason


def test_it_is_not_applicable_without_any_record():
    for test_id in IDS:
        assert run(test_id, []).status == ResultStatus.NOT_APPLICABLE


def test_it_names_the_failing_resources():
    outcome = run(
        "accounts_terminated_active",
        [account("ann", person_status="terminated"), account("bob", person_status="terminated")],
    )
    assert outcome.resources == ("ann @ crm", "bob @ crm")
    assert outcome.failing_count == 2 and outcome.resource_count == 2
    failing_kernel = dict((case[0], case[2]) for case in LYNIS)["lynis_kernel_hardening"]
    kernel = run("lynis_kernel_hardening", failing_kernel)
    assert kernel.resources == ("kernel.kptr_restrict=0",)


def test_it_counts_from_the_day_the_evidence_speaks_for():
    records = [account("ann", last_login=dt.date(2025, 1, 2))]
    cls = loader.all_tests()["accounts_dormant"]
    assert cls.evaluate(records, as_of=AS_OF).status == ResultStatus.FAIL
    assert cls.evaluate(records, as_of=dt.date(2025, 2, 1)).status == ResultStatus.PASS
