"""Every scanner mapping table (SSG, Lynis, Prowler) is versioned, explains each line, names
only real Annex A controls, and never lets a "related" reference count for a control."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest

from annexa.connectors import kinds, mapping
from annexa.connectors.formats import lynis, ocsf, xccdf
from annexa.connectors.formats.lynis import TEST_ID
from annexa.connectors.mapping import TABLES, Mapper
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, PROWLER_RUNS, sample


@pytest.fixture
def known(catalog) -> set[str]:
    from annexa.catalog.models import Control

    return set(Control.objects.values_list("id", flat=True))


@pytest.fixture
def mapper(catalog) -> Mapper:
    return Mapper.from_catalog()


@pytest.mark.parametrize("name", TABLES)
def test_every_table_is_versioned_and_explains_every_line(known, name):
    document = mapping._data(name)
    assert mapping.table_problems(document, known) == []
    assert len(mapping.table_lines(document)) > 10


def test_the_check_catches_each_kind_of_bad_line(known):
    broken = {
        "version": "",
        "groups": {"AUTH": {"controls": ["A.8.5"], "reason": ""}},
        "tests": {
            "AUTH-9286": {"controls": ["A.99.1"], "reason": "checks password ageing rules"},
            "SSH-7408": {
                "controls": ["A.8.5"],
                "related": ["A.8.5", "A.6.1"],
                "reason": "checks the SSH daemon's authentication settings",
            },
        },
    }
    assert mapping.table_problems(broken, known) == [
        "the table has no version",
        "AUTH: no reason (or one too short to say anything)",
        "AUTH-9286: 'A.99.1' is not an Annex A control",
        "SSH-7408: A.8.5 named as tested and as related",
    ]
    assert mapping.table_problems({"version": "1", "checks": {}}, known) == [
        "the table has no lines"
    ]


def test_the_mapping_version_names_every_table_version():
    version = mapping.mapping_version()
    for name, tool in zip(TABLES, ("ssg", "lynis", "prowler"), strict=True):
        assert f"{tool}{mapping._data(name)['version']}" in version


# --- Lynis ---------------------------------------------------------------------------------


def lynis_findings(mapper: Mapper) -> list[mapping.Finding]:
    with open(sample(LYNIS), "rb") as stream:
        return list(mapper.lynis(lynis.parse(stream)))


def test_every_lynis_line_is_a_test_id_or_a_group():
    data = mapping.lynis_mapping()
    assert data["reviewed_for"].startswith("Lynis ")
    assert all(TEST_ID.match(test_id) for test_id in data["tests"])
    assert all(group.isupper() and "-" not in group for group in data["groups"])


def test_every_test_of_the_real_lynis_run_was_reviewed(mapper):
    findings = lynis_findings(mapper)
    assert len(findings) > 400
    assert [f.rule for f in findings if mapping.lynis_line(f.rule) is None] == []
    for finding in findings:
        line = mapping.lynis_line(finding.rule)
        assert finding.controls == line.controls, finding.rule
        assert not set(finding.related) & set(finding.controls), finding.rule
        # A test that counts for no control says why, from its reviewed line.
        assert finding.controls or line.reason in finding.unmapped, finding.rule


def test_a_lynis_test_that_only_records_a_fact_counts_for_no_control(mapper):
    findings = {f.rule: f for f in lynis_findings(mapper)}
    # SSH-7402 only finds the SSH daemon: SSH is related to A.8.5, but the test shows nothing
    # about authentication (the old group mapping counted it for A.8.5 and A.8.20).
    daemon = findings["SSH-7402"]
    assert daemon.controls == () and daemon.related == ("A.8.5",)
    assert "records a fact about the host" in daemon.unmapped
    # The legal-banner tests speak for a secure log-on procedure, not acceptable use.
    assert findings["BANN-7126"].controls == ("A.8.5",)
    assert findings["AUTH-9286"].controls == ("A.5.17",)  # password ageing
    assert findings["FILE-6310"].controls == ("A.8.6",)  # partitions: capacity


def test_an_unknown_lynis_group_counts_for_no_control(db):
    controls, related, reason = Mapper({}, set()).lynis_test("ZZZZ-0001")
    assert controls == related == () and "ZZZZ is not in Annexa's reviewed Lynis table" in reason


# --- Prowler -------------------------------------------------------------------------------


def test_no_producer_entry_ever_counts_for_a_prowler_check(mapper, known):
    """Whatever ISO27001-2022 entries a Prowler version writes (here: every Annex A control),
    a known check counts for its reviewed controls only; the entries stay related."""
    everything = sorted(known)
    for check, entry in mapping.prowler_checks().items():
        finding = mapper.ocsf(
            ocsf.normalise(
                {
                    "metadata": {"event_code": check},
                    "status_code": "PASS",
                    "unmapped": {"compliance": {"ISO27001-2022": everything}},
                }
            )
        )
        assert finding.controls == tuple(entry["controls"]), check
        assert set(finding.related) == known - set(entry["controls"]), check


# --- all tools, through the engine ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("openscap", OPENSCAP),
        ("lynis", LYNIS),
        *(("ocsf", name) for name in PROWLER),
        *(("ocsf", name) for name in PROWLER_RUNS),
    ],
)
def test_no_control_is_counted_from_a_related_reference_alone(mapper, kind, name):
    """Over each real tool output: every control the engine counts a result for is named by
    the reviewed table line of a rule in the file; related controls are tallied apart."""
    from annexa.monitoring import engine

    @contextlib.contextmanager
    def open_content():
        with open(sample(name), "rb") as stream:
            yield stream

    result = engine.evaluate(kinds.get(kind), open_content, mapper, [], as_of=dt.date(2025, 6, 30))
    named: set[str] = set()
    if kind == "openscap":
        with open(sample(name), "rb") as stream:
            for rule in xccdf.iter_results(stream):
                line = mapping.ssg_line(rule.short_id)
                named |= set(line.controls) if line else set()
    elif kind == "lynis":
        named = {c for f in lynis_findings(mapper) for c in f.controls}
    else:
        with open(sample(name), "rb") as stream:
            checks = {f.check_id for f in ocsf.iter_findings(stream)}
        table = mapping.prowler_checks()
        named = {c for check in checks for c in table.get(check, {}).get("controls", ())}
    assert result.findings > 0
    assert set(result.controls) <= named, set(result.controls) - named
    if kind == "openscap":
        assert result.related and not {"A.6.1", "A.8.24"} & set(result.controls)


@pytest.mark.parametrize("name", TABLES)
def test_no_table_names_a_line_twice(name):
    """JSON keeps the last of two equal keys silently: a second line would hide the first."""
    repeated: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict:
        keys = [key for key, _value in items]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    with open(mapping.DATA / name, encoding="utf-8") as handle:
        json.load(handle, object_pairs_hook=pairs)
    assert repeated == []
