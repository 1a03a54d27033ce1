"""The engine: one pass over the evidence, findings tallied per control, failures contained."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io

import pytest

from annexa.connectors import kinds
from annexa.connectors.formats import FormatError
from annexa.connectors.mapping import Mapper
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER_RUNS, sample
from annexa.monitoring import engine, loader
from annexa.monitoring.families import LynisTest

AS_OF = dt.date(2025, 6, 30)


def opener_of(path):
    @contextlib.contextmanager
    def open_content():
        with open(path, "rb") as stream:
            yield stream

    return open_content


def opener_of_bytes(data: bytes):
    @contextlib.contextmanager
    def open_content():
        yield io.BytesIO(data)

    return open_content


def test_it_runs_every_test_of_a_kind_and_tallies_findings(catalog):
    result = engine.evaluate(
        kinds.get("openscap"),
        opener_of(sample(OPENSCAP)),
        Mapper.from_catalog(),
        loader.tests_for_kind("openscap"),
        as_of=AS_OF,
    )
    assert set(result.outcomes) == {cls.id for cls in loader.tests_for_kind("openscap")}
    assert result.records == result.findings == 44  # rules that were evaluated
    assert result.controls["A.8.15"]["not_applicable"] >= 1
    # Rules are counted only on the controls the reviewed table says they test: the 8
    # partition and cron rules test none; SSG's broad 2013 references stay "related".
    assert "partition_for_home" in result.unmapped
    assert result.summary()["unmapped_findings"] == 8
    assert "A.6.1" in result.related and "A.6.1" not in result.controls


def test_it_reads_a_lynis_report_for_findings_and_for_tests(catalog):
    result = engine.evaluate(
        kinds.get("lynis"),
        opener_of(sample(LYNIS)),
        Mapper.from_catalog(),
        loader.tests_for_kind("lynis"),
        as_of=AS_OF,
    )
    assert result.records == 1 and result.findings > 200
    # The host has no firewall program: Lynis flagged iptables active on kernel support alone
    # and skipped its rule-set test, so the firewall cannot be judged (it used to "pass").
    assert result.outcomes["lynis_firewall_active"].status == "error"
    assert result.outcomes["lynis_hardening_index"].status == "fail"


class Exploding(LynisTest):
    """Passes never. Fails never: it raises."""

    id = "lynis_exploding"
    title = "Explodes"
    control_ids = ("A.8.9",)
    remediation = "None."

    def judge(self, report):
        raise RuntimeError("boom")


def test_it_contains_a_failing_test(db):
    tests = [Exploding, loader.all_tests()["lynis_hardening_index"]]
    result = engine.evaluate(
        kinds.get("lynis"), opener_of(sample(LYNIS)), Mapper({}, set()), tests, as_of=AS_OF
    )
    assert result.outcomes["lynis_exploding"].status == "error"
    assert "boom" in result.outcomes["lynis_exploding"].reason
    assert result.outcomes["lynis_hardening_index"].status == "fail"


def test_it_turns_unreadable_evidence_into_errors_not_passes(db):
    result = engine.evaluate(
        kinds.get("ocsf"),
        opener_of_bytes(b'[{"class_uid": 2004, "status_code": "PASS"'),
        Mapper({}, set()),
        loader.tests_for_kind("ocsf"),
        as_of=AS_OF,
    )
    assert result.error.startswith("the evidence could not be read")
    assert {o.status for o in result.outcomes.values()} == {"error"}


def test_it_reports_progress_while_streaming(db):
    line = b'{"status_code": "PASS", "metadata": {"event_code": "guardduty_is_enabled"}}'
    documents = b"\n".join(line for _ in range(25_000))
    seen: list[int] = []
    result = engine.evaluate(
        kinds.get("ocsf"),
        opener_of_bytes(documents),
        Mapper({}, set()),
        loader.tests_for_kind("ocsf"),
        as_of=AS_OF,
        progress=seen.append,
    )
    assert seen == [10_000, 20_000]
    assert result.outcomes["ocsf_threat_detection"].resource_count == 25_000


def _spool_folder():
    from annexa.evidence.staging import temp_root

    return temp_root() / "ocsf-records"


def _evaluate_ocsf(path, sha256: str = "") -> engine.Evaluation:
    return engine.evaluate(
        kinds.get("ocsf"),
        opener_of(path),
        Mapper.from_catalog(),
        loader.tests_for_kind("ocsf"),
        as_of=AS_OF,
        sha256=sha256,
    )


def test_an_inspected_ocsf_file_is_judged_from_its_spooled_records_as_from_its_json(catalog):
    path = sample(PROWLER_RUNS[1])
    parsed = _evaluate_ocsf(path)
    inspection = kinds.get("ocsf").inspect(path, path.name)
    assert inspection.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inspection.records == parsed.findings == 16
    spooled = _evaluate_ocsf(
        # The content cannot be opened: only the records kept by the inspection can be read.
        "/nonexistent/never-opened.json",
        inspection.sha256,
    )
    assert spooled.summary() == parsed.summary()
    assert spooled.outcomes == parsed.outcomes
    # Read once: the spool is gone, so the next evaluation parses the content again.
    assert not list(_spool_folder().glob(f"*{inspection.sha256}*"))
    assert kinds.get("ocsf").prepared(inspection.sha256, Mapper.from_catalog()) is None


def test_lost_spooled_records_are_parsed_from_the_content_instead(catalog, monkeypatch):
    path = sample(PROWLER_RUNS[1])
    parsed = _evaluate_ocsf(path)
    inspection = kinds.get("ocsf").inspect(path, path.name)
    spool = kinds._SPOOLS.paths[inspection.sha256]
    spool.write_bytes(spool.read_bytes()[:200])  # damaged part way through its first batch
    again = _evaluate_ocsf(path, inspection.sha256)
    assert again.summary() == parsed.summary()
    assert again.outcomes == parsed.outcomes


def test_a_refused_ocsf_file_leaves_no_spooled_records(catalog, tmp_path):
    before = set(_spool_folder().glob("*")) if _spool_folder().exists() else set()
    bad = tmp_path / "bad.ocsf.json"
    bad.write_text('[{"class_uid": 2004, "metadata": {"event_code": "x"}}, {"class_uid": 3001}]')
    with pytest.raises(FormatError, match="not a finding"):
        kinds.get("ocsf").inspect(bad, bad.name)
    assert set(_spool_folder().glob("*")) == before


def test_spooled_records_of_at_most_a_few_files_are_kept(catalog, tmp_path):
    path = sample(PROWLER_RUNS[1])
    kept = []
    for number in range(kinds.SPOOLS_KEPT + 2):
        copy = tmp_path / f"copy{number}.ocsf.json"
        # Different content each time (JSON allows trailing whitespace).
        copy.write_bytes(path.read_bytes() + b" " * number)
        kept.append(kinds.get("ocsf").inspect(copy, copy.name).sha256)
    assert list(kinds._SPOOLS.paths) == kept[-kinds.SPOOLS_KEPT :]
    names = {p.name for p in _spool_folder().iterdir()}
    assert not any(sha in name for sha in kept[: -kinds.SPOOLS_KEPT] for name in names)
    kinds._SPOOLS.clear()
    assert not kinds._SPOOLS.paths
    assert not any(sha in p.name for sha in kept for p in _spool_folder().iterdir())
