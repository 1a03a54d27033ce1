"""``ingest`` end to end on the real samples: mapping, idempotency, streaming memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from annexa.connectors.services import ImportRejected
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.staging import staging_dir
from annexa.monitoring import services
from annexa.monitoring.models import ControlStatusChange, TestResult, TestRun


@pytest.fixture
def ctx(isla, catalog):
    return isla.ctx


def test_it_lands_ssg_rules_on_2022_controls(ctx):
    summary = services.ingest(ctx, sample(OPENSCAP)).as_dict()
    controls = summary["controls"]
    # The log rules cite 2013 A.12.4.1 (event logging), which is 2022 A.8.15; in this
    # container scan they did not apply.
    assert controls["A.8.15"]["not_applicable"] >= 5
    # The 12 passing file ownership/permission rules cite A.9.4.1 → A.8.3 (plus our test).
    assert controls["A.8.3"]["pass"] >= 12 and controls["A.8.3"]["fail"] == 1
    tests = {t["id"]: t for t in summary["tests"]}
    assert tests["openscap_file_permissions"]["status"] == "fail"
    assert "file_permissions_systemmap" in tests["openscap_file_permissions"]["reason"]
    assert tests["openscap_insecure_services"]["status"] == "pass"


def test_it_lands_lynis_findings_on_their_controls(ctx):
    summary = services.ingest(ctx, sample(LYNIS)).as_dict()
    controls = summary["controls"]
    # SSH-7408 was skipped (no SSH daemon): not applicable on A.8.5 and A.8.20.
    assert controls["A.8.5"]["not_applicable"] >= 1 and controls["A.8.20"]["not_applicable"] >= 1
    # AUTH-9286 (password ageing) raised suggestions: failures on A.5.17.
    assert controls["A.5.17"]["fail"] >= 1
    tests = {t["id"]: t["status"] for t in summary["tests"]}
    # No firewall program on the host: Lynis read no rule set, so no pass (see the check).
    assert tests["lynis_firewall_active"] == "error"
    assert tests["lynis_password_aging"] == "fail"
    # Lynis's own release check tests Lynis, not the host: listed as unmapped, with its reason.
    assert any(e["rule"] == "LYNIS" and "Lynis release" in e["reason"] for e in summary["unmapped"])


def test_a_findings_own_iso_2022_entries_are_related_never_counted(ctx, tmp_path):
    with open(sample(PROWLER[0]), "rb") as stream:
        documents = json.load(stream)
    documents[0]["unmapped"]["compliance"]["ISO27001-2022"] = ["A.5.23"]
    path = tmp_path / "with-iso.ocsf.json"
    path.write_text(json.dumps(documents))
    summary = services.ingest(ctx, path).as_dict()
    # accessanalyzer_enabled FAILs: it counts on the controls our reviewed mapping names
    # (A.5.15, A.8.2), whatever the producer's entries say; A.5.23 is only related.
    assert "A.5.23" not in summary["controls"] and summary["related"] == {"A.5.23": 1}
    assert summary["controls"]["A.8.2"]["fail"] >= 1


@pytest.mark.parametrize("name", [OPENSCAP, LYNIS, PROWLER[3]])
def test_it_ingests_the_same_file_once(ctx, name):
    first = services.ingest(ctx, sample(name))
    counts = (
        Evidence.objects.count(),
        EvidenceVersion.objects.count(),
        TestRun.objects.count(),
        TestResult.objects.count(),
        ControlStatusChange.objects.count(),
    )
    second = services.ingest(ctx, sample(name))
    assert second.run == first.run and not second.new_run and not second.item.created
    assert counts == (
        Evidence.objects.count(),
        EvidenceVersion.objects.count(),
        TestRun.objects.count(),
        TestResult.objects.count(),
        ControlStatusChange.objects.count(),
    )
    assert counts[:3] == (1, 1, 1)


def test_it_judges_content_that_comes_back_as_a_new_observation(ctx, tmp_path):
    first = services.ingest(ctx, sample(LYNIS))
    changed = tmp_path / "lynis-report-debian12.dat"
    changed.write_text(sample(LYNIS).read_text() + "malware_scanner_installed=1\n")
    services.ingest(ctx, changed)
    back = services.ingest(ctx, sample(LYNIS))
    assert back.item.created and back.new_run and back.run != first.run
    assert back.item.version.sha256 == first.item.version.sha256
    latest = TestResult.objects.get(test_id="lynis_malware_scanner", is_latest=True)
    assert latest.run == back.run and latest.status == "fail"


def test_it_streams_a_large_ocsf_file_in_bounded_memory(ctx, tmp_path):
    with open(sample(PROWLER[0]), "rb") as stream:
        template = json.load(stream)[2]
    for prose in ("risk_details", "remediation", "message", "status_detail"):
        template.pop(prose)  # smaller findings: the same shape, less to parse
    count = 20_000
    path = tmp_path / "big.ocsf.jsonl"
    with open(path, "w") as handle:
        for number in range(count):
            template["finding_info"]["uid"] = f"finding-{number}"
            template["status_code"] = "FAIL" if number % 7 == 0 else "PASS"
            handle.write(json.dumps(template) + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        judged = services.ingest(ctx, path, kind="ocsf")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert judged.run.summary["findings"] == count
    counts = judged.as_dict()["controls"]["A.5.5"]
    # every 7th finding failed (the security-contacts test that reads them failed too, but
    # control tests are listed apart, never added to the scanner's counts)
    assert counts["fail"] == len(range(0, count, 7))
    assert size > 30 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte file"


def _ocsf_lines(path, count: int, *, message: str = "checked") -> bytes:
    with open(sample(PROWLER[0]), "rb") as stream:
        template = json.load(stream)[2]
    lines = []
    for number in range(count):
        template["finding_info"]["uid"] = f"finding-{number}"
        template["message"] = message
        lines.append(json.dumps(template, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return data


def test_an_ocsf_import_reads_and_hashes_the_file_once(ctx, tmp_path, monkeypatch):
    """The inspection hashes the bytes and keeps a copy, which becomes the blob: the stored
    version is the file's own SHA-256, size and bytes, with the media type as before, and
    nothing else hashes the file, scans it as text or copies it again."""
    import hashlib

    from annexa.evidence import content
    from annexa.evidence.storage import FileBlobStore, get_store

    path = tmp_path / "findings.ocsf.jsonl"
    data = _ocsf_lines(path, 200)
    hashed = []
    real_sha256 = hashlib.sha256

    class Counting:
        def __init__(self, initial=b""):
            self.inner = real_sha256(initial)
            hashed.append(len(initial))

        def update(self, chunk):
            hashed.append(len(chunk))
            self.inner.update(chunk)

        def hexdigest(self):
            return self.inner.hexdigest()

    def not_again(*args, **kwargs):
        raise AssertionError("the imported file is read once")

    monkeypatch.setattr(hashlib, "sha256", Counting)
    monkeypatch.setattr(content, "_check_utf8_text", not_again)
    monkeypatch.setattr(FileBlobStore, "_copy_to_temp", not_again)
    judged = services.ingest(ctx, path, kind="ocsf")
    monkeypatch.undo()
    version = judged.item.version
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert (version.size, version.media_type) == (len(data), "text/plain")
    assert version.filename == "findings.ocsf.jsonl.txt"
    with get_store().open(version.sha256) as blob:
        assert blob.read() == data
    # the file's bytes once; the rest is the ledger's small records
    assert len(data) <= sum(hashed) < len(data) + 64 * 1024
    assert path.read_bytes() == data
    assert not list(staging_dir().iterdir())


def test_an_ocsf_file_with_a_raw_control_byte_is_still_refused(ctx, tmp_path):
    """JSON admits a raw DEL inside a string; the evidence store never took it as text, and
    still does not, although the parser read the file."""
    path = tmp_path / "findings.ocsf.jsonl"
    _ocsf_lines(path, 3, message="bad \x7f byte")
    with pytest.raises(ImportRejected, match="binary, not text"):
        services.ingest(ctx, path, kind="ocsf")
    assert not EvidenceVersion.objects.exists()
    assert not TestRun.objects.exists()
