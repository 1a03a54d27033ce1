"""Tool rules land on the right Annex A controls, and unmapped ones say why."""

from __future__ import annotations

import json

import pytest

from annexa.connectors import mapping
from annexa.connectors.formats import lynis, ocsf, xccdf
from annexa.connectors.mapping import Mapper
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample


@pytest.fixture
def mapper(catalog) -> Mapper:
    return Mapper.from_catalog()


def test_it_maps_ssg_rules_through_the_reviewed_table_only(mapper):
    with open(sample(OPENSCAP), "rb") as stream:
        by_rule = {r.short_id: mapper.xccdf(r) for r in xccdf.iter_results(stream)}
    # ensure_logrotate_activated keeps logs rotated: it tests A.8.15 (logging).
    assert by_rule["ensure_logrotate_activated"].controls == ("A.8.15",)
    # file_groupowner_etc_passwd tests access to /etc/passwd: A.8.3. Its 23 ISO/IEC
    # 27001:2013 references (screening, cryptography, …) become related controls only.
    passwd = by_rule["file_groupowner_etc_passwd"]
    assert passwd.controls == ("A.8.3",) and passwd.status == "pass"
    assert "A.6.1" in passwd.related and "A.8.3" not in passwd.related
    # SSG cites nothing for file_permissions_systemmap; the table still says what it tests.
    assert by_rule["file_permissions_systemmap"].controls == ("A.8.3",)
    # A rule the table reviewed as testing no control says why, and keeps its related ones.
    partition = by_rule["partition_for_var_log"]
    assert partition.controls == () and "no Annex A control requires it" in partition.unmapped
    assert "A.8.15" in partition.related


def test_it_counts_no_rule_outside_the_table(db):
    finding = Mapper({}, set()).xccdf(
        xccdf.RuleResult("r", "brand_new_rule", "pass", "t", "low", ("A.12.4.1",), "host")
    )
    assert finding.controls == () and "not in Annexa's reviewed SSG rule table" in finding.unmapped


def test_it_maps_lynis_tests_by_group_and_override(mapper):
    with open(sample(LYNIS), "rb") as stream:
        report = lynis.parse(stream)
    findings = {f.rule: f for f in mapper.lynis(report)}
    assert findings["SSH-7408"].controls == ("A.8.5", "A.8.20")
    assert findings["SSH-7408"].status == "not_applicable"  # skipped: no SSH daemon
    assert findings["AUTH-9286"].controls == ("A.5.17",)  # a single-test line: password ageing
    assert findings["AUTH-9286"].status == "fail"
    assert findings["AUTH-9283"].controls == ("A.8.5",)  # the AUTH group's line
    assert findings["HRDN-7230"].controls == ("A.8.7",)
    assert findings["LYNIS"].controls == () and "Lynis release" in findings["LYNIS"].unmapped


@pytest.mark.parametrize(
    ("version", "entries"),
    [
        ("<prowler_version>", None),  # the real example: no ISO27001-2022 entry at all
        ("5.4.0", ["A.8.3"]),  # what a later Prowler's own mapping says for this check
        ("5.40.0", ["A.5.15", "A.8.3", "9.2"]),
    ],
)
def test_a_check_lands_on_the_same_controls_whatever_prowler_version(mapper, version, entries):
    with open(sample(PROWLER[0]), "rb") as stream:
        document = json.load(stream)[0]
    document["metadata"]["product"]["version"] = version
    if entries is not None:
        document["unmapped"]["compliance"]["ISO27001-2022"] = entries
    finding = mapper.ocsf(ocsf.normalise(document))
    assert finding.rule == "accessanalyzer_enabled"
    assert finding.controls == ("A.5.15", "A.8.2") and finding.topic == "least_privilege"
    # The producer's entries are kept as related (only real Annex A ids), never counted.
    assert finding.related == (("A.8.3",) if entries else ())


def test_it_says_why_an_ocsf_finding_is_unmapped(mapper):
    unknown = ocsf.normalise(
        {
            "metadata": {"event_code": "brand_new_check"},
            "status_code": "FAIL",
            "unmapped": {"compliance": {"ISO27001-2022": ["A.5.23", "A.99.1"]}},
        }
    )
    finding = mapper.ocsf(unknown)
    assert finding.controls == () and finding.related == ("A.5.23",)
    assert "not in Annexa's reviewed mapping" in finding.unmapped
    assert "(A.5.23) are kept as related" in finding.unmapped


def test_every_prowler_check_has_a_reviewed_reason():
    for check, entry in mapping.prowler_checks().items():
        assert entry["controls"] and len(entry["reason"]) > 30, check
        assert entry["prowler_iso27001_2022"] in ("same", "overlap", "disjoint", "absent"), check


def test_it_maps_every_sample_check_id():
    known = mapping.prowler_checks()
    for name in PROWLER:
        with open(sample(name), "rb") as stream:
            for finding in ocsf.iter_findings(stream):
                assert finding.check_id in known, finding.check_id
