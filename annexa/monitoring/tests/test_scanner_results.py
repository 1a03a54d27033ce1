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
