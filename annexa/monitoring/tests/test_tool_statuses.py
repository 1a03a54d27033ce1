"""Each thing a tool reports is shown as what it is: Prowler's MANUAL and muted findings,
Kubernetes clusters, OpenSCAP's notchecked and informational results, quiet Lynis tests and
Lynis's own warning and suggestion counts (real outputs, ``tool_outputs/README.md``)."""

from __future__ import annotations

import json

import pytest

from annexa.connectors import kinds, services
from annexa.connectors.formats import ocsf, xccdf
from annexa.connectors.mapping import Mapper
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample
from annexa.monitoring import services as monitoring


@pytest.fixture
def ctx(isla, catalog):
    return isla.ctx


def test_prowler_manual_findings_are_manual_not_not_applicable(ctx):
    # The AWS example holds 3 MANUAL findings (contact details Prowler cannot read).
    summary = monitoring.ingest(ctx, sample(PROWLER[0])).as_dict()
    assert sum(c["manual"] for c in summary["controls"].values()) >= 3
    contacts = {t["id"]: t for t in summary["tests"]}["ocsf_security_contacts"]
    # The one FAIL decides; the MANUAL ones are neither a pass nor a fail of the test.
    assert contacts["status"] == "fail" and "1 of 1" in contacts["reason"]


def test_a_muted_prowler_finding_is_muted(tmp_path):
    with open(sample(PROWLER[2]), "rb") as stream:
        documents = json.load(stream)
    # Prowler marks a muted finding status "Suppressed" (status_id 3), status_code unchanged.
    documents[4]["status"], documents[4]["status_id"] = "Suppressed", 3
    assert documents[4]["status_code"] == "FAIL"
    finding = ocsf.normalise(documents[4])
    assert finding.status == "muted"


def test_each_kubernetes_file_without_a_cluster_name_keeps_its_own_stream(isla, tmp_path):
    # Prowler 5.4 writes no cluster name into Kubernetes findings: two clusters' files must
    # not share one "kubernetes" stream where the second replaces the first.
    first = tmp_path / "cluster-a.ocsf.json"
    second = tmp_path / "cluster-b.ocsf.json"
    first.write_bytes(sample(PROWLER[3]).read_bytes())
    documents = json.loads(first.read_text())
    documents[0]["status_code"] = "PASS"
    second.write_text(json.dumps(documents))
    a = services.ingest_file(isla.ctx, first)
    b = services.ingest_file(isla.ctx, second)
    assert a.stream == "ocsf:kubernetes (not named in the file: cluster-a.ocsf.json)"
    assert b.stream != a.stream


def test_a_kubernetes_cluster_named_by_newer_prowler_is_its_stream(tmp_path):
    with open(sample(PROWLER[3]), "rb") as stream:
        documents = json.load(stream)
    for document in documents:
        document["unmapped"]["provider"] = "kubernetes"
        document["unmapped"]["provider_uid"] = "prod-eu"
    path = tmp_path / "named.ocsf.json"
    path.write_text(json.dumps(documents))
    assert kinds.get("ocsf").inspect(path, path.name).target == "kubernetes:prod-eu"


def test_openscap_notchecked_and_informational_results_are_kept():
    # The real scans hold none of these; the statuses map as XCCDF names them.
    checked = xccdf.RuleResult("r", "r", "notchecked", "t", "low", (), "vm")
    informational = xccdf.RuleResult("r", "r", "informational", "t", "low", (), "vm")
    assert (checked.status, informational.status) == ("not_checked", "informational")
    assert xccdf.RuleResult("r", "r", "notselected", "t", "low", (), "vm").status is None


def test_quiet_lynis_tests_are_not_passes(catalog):
    with open(sample(LYNIS), "rb") as stream:
        findings = list(kinds.get("lynis").findings(stream, Mapper.from_catalog()))
    statuses = {f.status for f in findings}
    assert "pass" not in statuses and "no_finding" in statuses


def test_lynis_warning_and_suggestion_counts_are_shown(ctx, vera, client_for):
    judged = monitoring.ingest(ctx, sample(LYNIS))
    facts = judged.as_dict()["facts"]
    assert facts == {"warnings": 2, "suggestions": 44, "hardening index": 56}
    page = client_for(vera).get(f"/o/acme/monitoring/runs/{judged.run.pk}/").content.decode()
    assert "warnings: 2" in page and "suggestions: 44" in page


def test_openscap_counts_show_every_status(ctx):
    summary = monitoring.ingest(ctx, sample(OPENSCAP)).as_dict()
    assert set(summary["controls"]["A.8.3"]) >= {"manual", "muted", "not_checked", "no_finding"}
