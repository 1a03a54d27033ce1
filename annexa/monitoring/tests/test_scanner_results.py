"""What the scanners' real outputs make of control statuses: one OpenSCAP profile never
erases another, and a scan that evaluated nothing changes nothing."""

from __future__ import annotations

import pytest

from annexa.connectors.services import ImportRejected
from annexa.connectors.tests.samples import (
    LYNIS,
    OPENSCAP_MINIMAL,
    OPENSCAP_NOTHING_APPLIES,
    OPENSCAP_STANDARD,
    sample,
    unpacked,
)
from annexa.monitoring import services
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.models import TestResult


@pytest.fixture
def ctx(isla, catalog):
    return isla.ctx


def latest(ctx, test_id: str) -> dict[str, str]:
    rows = TestResult.objects.for_org(ctx.org).filter(test_id=test_id, is_latest=True)
    return {r.stream: r.status for r in rows}


def test_a_second_profile_leaves_the_first_profiles_failures_in_place(ctx, tmp_path):
    services.ingest(ctx, unpacked(OPENSCAP_STANDARD, tmp_path))
    # The standard profile fails file_permissions_systemmap (A.8.3).
    assert latest(ctx, "openscap_file_permissions") == {"openscap:vm/DEBIAN-11/standard": "fail"}
    assert derivation.derive(ctx.org)["A.8.3"].status == ControlStatus.FAILING

    services.ingest(ctx, unpacked(OPENSCAP_MINIMAL, tmp_path))
    # The minimal profile's file permission rules all pass. In one stream per host that pass
    # replaced the standard profile's failure and A.8.3 turned "passing"; in a stream of its
    # own the failure stays the latest of the standard profile and still decides.
    assert latest(ctx, "openscap_file_permissions") == {
        "openscap:vm/DEBIAN-11/standard": "fail",
        "openscap:vm/DEBIAN-11/anssi_np_nt28_minimal": "pass",
    }
    assert derivation.derive(ctx.org)["A.8.3"].status == ControlStatus.FAILING


def test_a_scan_that_evaluated_nothing_changes_no_result(ctx, tmp_path):
    services.ingest(ctx, unpacked(OPENSCAP_STANDARD, tmp_path))
    before = latest(ctx, "openscap_profile_compliance")
    with pytest.raises(ImportRejected, match="evaluated no rule"):
        services.ingest(ctx, unpacked(OPENSCAP_NOTHING_APPLIES, tmp_path))
    assert (
        latest(ctx, "openscap_profile_compliance")
        == before
        == {"openscap:vm/DEBIAN-11/standard": "fail"}
    )


def test_the_lynis_report_of_a_host_without_a_firewall_never_passes_the_firewall(ctx):
    # The real report: no iptables or nft program, no tables; Lynis still wrote
    # firewall_active=1 and firewall_software[]=iptables (kernel support) and skipped
    # FIRE-4512, the test that reads the rule set.
    judged = services.ingest(ctx, sample(LYNIS))
    result = judged.run.results.get(test_id="lynis_firewall_active")
    assert result.status == "error"
    assert result.reason.startswith("cannot tell whether vm filters traffic")
    assert "FIRE-4512" in result.reason and "read no rule set" in result.reason
    assert derivation.derive(ctx.org)["A.8.20"].status != ControlStatus.PASSING


def test_scanner_results_and_control_tests_stay_apart(ctx, vera, client_for, tmp_path):
    from collections import Counter

    from annexa.connectors import kinds
    from annexa.connectors.mapping import Mapper

    judged = services.ingest(ctx, unpacked(OPENSCAP_STANDARD, tmp_path))
    report = judged.as_dict()
    # Each cell counts rule results only: exactly the tally of the rules the table maps there.
    expected: dict[str, Counter] = {}
    with open(unpacked(OPENSCAP_STANDARD, tmp_path), "rb") as stream:
        for finding in kinds.get("openscap").findings(stream, Mapper.from_catalog()):
            for control in finding.controls:
                expected.setdefault(control, Counter())[finding.status] += 1
    assert {c: {k: v for k, v in n.items() if v} for c, n in report["controls"].items()} == {
        c: dict(n) for c, n in expected.items()
    }
    # A.8.9's control test failed (openscap_profile_compliance); the rules of this scan that
    # test A.8.9 did not apply, so its scanner cell holds no fail (the test is not added in).
    assert {t["id"]: t["status"] for t in report["tests"]}["openscap_profile_compliance"] == "fail"
    assert report["controls"]["A.8.9"]["fail"] == 0
    # The broad 2013 references are listed as related, never as results.
    assert report["related"]["A.6.1"] >= 12 and "A.6.1" not in report["controls"]
    page = client_for(vera).get(f"/o/acme/monitoring/runs/{judged.run.pk}/").content.decode()
    assert "Related controls (cited by the tool, not counted)" in page
    assert "A.6.1: cited by" in page
