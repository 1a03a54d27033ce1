"""The printed checklist holds everything recorded on the checklist, under the report's rules:
evidence cited by manifest entry number, each version's title and full SHA-256 once, in the
manifest; the long parts written as paragraphs and fixed-layout tables."""

from __future__ import annotations

import re
import subprocess

from annexa.audits.choices import SamplingRule
from annexa.audits.services import checklist, checklist_io, checklist_print, fieldwork, sampling
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import store_text
from annexa.core.print_html import SHORT_HASH


def filled(audrey, items) -> dict:
    """A8.5 assessed with two pieces of evidence and a sample, 7.2 removed, A.5.15 left open."""
    first = store_text(audrey.ctx, "MFA policy export", filename="mfa.txt", controls=["A.8.5"])
    second = store_text(
        audrey.ctx, "2026-03-02 admin", filename="log.txt", title="Login <log>", controls=["A.8.5"]
    )
    versions = [first, second]
    fieldwork.save_fieldwork(
        audrey.ctx,
        items["A.8.5"],
        {
            "result": "minor_nc",
            "methods": ["document_review", "sampling"],
            "examined": "The identity provider's policy <b>export</b>.",
            "analysis": "Compared the enforced groups with the admin list.",
            "verification": "Signed in as a test admin without a second factor.",
            "notes": "Two admins **without** MFA.\n\n- svc-backup\n- temp-admin",
            "auditees_other": "Ola (IT operations)",
            "evidence": versions,
        },
    )
    population = sampling.Population(
        data="".join(f"admin-{i:02d}\n" for i in range(20)).encode(), filename="admins.txt"
    )
    rule = sampling.Rule(kind=SamplingRule.JUDGEMENT, size=3, rationale="The newest accounts")
    sample = sampling.create_sample(audrey.ctx, items["A.8.5"], population, rule)
    first_record = sample.records.order_by("population_index").first()
    sampling.record_result(audrey.ctx, first_record, "deviation", "No second factor enrolled.")
    checklist.remove_item(audrey.ctx, items["7.2"], "Covered by the HR audit in May.")
    return {"versions": versions, "sample": sample, "record": first_record}


def test_the_printed_checklist_holds_every_item_result_note_sample_and_citation(
    items, fieldwork_audit, audrey
):
    recorded = filled(audrey, items)
    html = checklist_print.html(fieldwork_audit)
    body = html.split("<body>", 1)[1]
    # Every item not removed, numbered, with its result or boxes to tick.
    assert "1. A.5.15 Access control" in body and "2. A.8.5 " in body
    assert "— <span" in body and ">Minor nonconformity</span>" in body
    assert "☐ Conforming" in body  # A.5.15 has no result yet: boxes to tick
    # Typed text is escaped; notes are Markdown (emphasis and lists, no raw HTML).
    assert "policy &lt;b&gt;export&lt;/b&gt;" in body and "<b>export" not in body
    assert "<p>Notes: Two admins <strong>without</strong> MFA.</p>" in body
    assert "<li>temp-admin</li>" in body
    assert "Signed in as a test admin" in body and "Ola (IT operations)" in body
    assert "Methods: Document review, Sampling. Auditees: Ola (IT operations)" in body
    # Each linked version cited by its manifest entry number; the manifest entry gives its
    # title, version and full hash, the only place the full hash is printed.
    assert re.search(
        r"<p>(Documented information expected: [^<]*\. )?Evidence examined: E1, E2\.", body
    )
    cited = sorted(recorded["versions"], key=lambda v: v.evidence.title)  # the item's order
    manifest = body.split("Evidence manifest", 1)[1]
    for number, version in enumerate(cited, start=1):
        title = version.evidence.title.replace("<", "&lt;").replace(">", "&gt;")
        assert body.count(version.sha256) == 1
        assert re.search(rf"<p>E{number}&emsp;{title} v1 · [^\n]* · {version.sha256}</p>", manifest)
    # The three fieldwork texts share a paragraph, each still labelled.
    assert (
        "What was examined: The identity provider&#x27;s policy &lt;b&gt;export&lt;/b&gt;. "
        "How it was analysed: Compared the enforced groups with the admin list. "
        "How it was verified: Signed in as a test admin without a second factor.</p>"
    ) in body
    # The sample: its method, seed, population hash, conclusion and every record.
    sample, record = recorded["sample"], recorded["record"]
    assert f"seed {sample.seed}" in body and sample.population_sha256 in body
    assert "Sample of 3 from 20 records" in body and "The newest accounts" in body
    assert "2 of 3 record(s) still to test." in body
    assert (
        f"#{record.population_index} {record.label}: Deviation (No second factor enrolled.)" in body
    )
    assert body.count(f": {'Not yet tested'}") == 2
    # Removed items, with their reason.
    assert "7.2 " in body.split("Removed items", 1)[1]
    assert "Covered by the HR audit in May." in body
    # The report's rules: the one table (the header) is fixed with column widths; the rest
    # is paragraphs.
    assert body.count("<table") == body.count("<colgroup>") == 1


def test_the_printed_checklist_pdf_carries_the_citations_and_the_manifest(
    items, fieldwork_audit, audrey, tmp_path
):
    recorded = filled(audrey, items)
    pdf = tmp_path / "checklist.pdf"
    pdf.write_bytes(checklist_io.export_pdf(fieldwork_audit))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "Evidence examined: E1, E2" in text
    for version in recorded["versions"]:
        assert flat.count(version.sha256) == 1  # the manifest
        assert flat.count(version.sha256[:SHORT_HASH]) == 1
    assert "Evidence manifest" in text and "Removed items" in text
    assert "No second factor enrolled." in text


def test_evidence_on_file_is_grouped_by_freshness_each_piece_named_once():
    from annexa.audits.services.checklist_rows import OnFile

    def on_file(title, number, freshness):
        return OnFile(1, title, number and 7, number, "f.txt", None, freshness)

    listed = checklist_print._on_file(
        [
            on_file("Access review", 2, "stale"),
            on_file("Firewall rules", None, "fresh"),
            on_file("Backup log", 1, "stale"),
            on_file("Policy", 3, "no_expiry"),
        ]
    )
    assert listed == (
        "stale: Access review v2; Backup log v1 · fresh: Firewall rules (no version yet)"
        " · no expiry: Policy v3"
    )
    assert checklist_print._on_file([]) == ""
