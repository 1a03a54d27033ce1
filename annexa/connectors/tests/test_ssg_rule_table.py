"""The reviewed SCAP Security Guide rule table: every line explained, every rule of the real
benchmark reviewed, and no control credited through a broad "related" reference."""

from __future__ import annotations

import re

import pytest

from annexa.catalog.ids import CONTROL_ID
from annexa.connectors import mapping
from annexa.connectors.formats import xccdf
from annexa.connectors.mapping import Mapper
from annexa.connectors.tests.samples import OPENSCAP, OPENSCAP_MINIMAL, sample, unpacked


@pytest.fixture
def mapper(catalog) -> Mapper:
    return Mapper.from_catalog()


def findings(mapper: Mapper, path) -> list[mapping.Finding]:
    with open(path, "rb") as stream:
        return [mapper.xccdf(r) for r in xccdf.iter_results(stream) if r.status is not None]


def test_every_line_has_a_pattern_a_reason_and_real_control_ids():
    data = mapping._data("ssg_rules.json")
    assert data["version"]
    for line in data["rules"]:
        re.compile(line["pattern"])
        assert len(line["reason"]) > 20, line
        assert all(CONTROL_ID.match(c) for c in line["controls"]), line


def test_every_rule_of_the_real_benchmark_was_reviewed():
    with open(sample(OPENSCAP), "rb") as stream:
        rules = {r.short_id for r in xccdf.iter_results(stream)}
    assert len(rules) == 355
    assert [r for r in sorted(rules) if mapping.ssg_line(r) is None] == []


@pytest.mark.parametrize("name", [OPENSCAP, OPENSCAP_MINIMAL])
def test_a_rule_counts_only_for_the_controls_its_line_names(mapper, tmp_path, name):
    path = sample(name) if not name.endswith(".gz") else unpacked(name, tmp_path)
    for finding in findings(mapper, path):
        line = mapping.ssg_line(finding.rule)
        assert finding.controls == line.controls, finding.rule
        assert not set(finding.related) & set(finding.controls), finding.rule


def test_no_control_passes_through_a_related_reference_alone(mapper):
    counted: dict[str, set[str]] = {}
    related: set[str] = set()
    for finding in findings(mapper, sample(OPENSCAP)):
        for control in finding.controls:
            counted.setdefault(control, set()).add(finding.status)
        related |= set(finding.related)
    # SSG's 2013 references of the file-ownership rules name A.6.1 (screening) and A.8.24
    # (cryptography) among 20 others; they used to count 12 passes each.
    assert {"A.6.1", "A.8.24", "A.5.15"} <= related
    assert not {"A.6.1", "A.8.24", "A.5.15"} & set(counted)
    # Every control that shows a scanner result has a reviewed line that names it.
    named = {c for line in mapping.ssg_rules() for c in line.controls}
    assert set(counted) <= named
