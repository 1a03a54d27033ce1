"""The demo audit's report in every format: the PDF as pages (PNG and text), DOCX, Markdown."""

from __future__ import annotations

import io
import re
import subprocess
from html import escape
from types import SimpleNamespace

import docx
import pytest

from annexa.reports import data, render
from annexa.reports.data import ANNEXES, SECTIONS, EvidenceRef
from annexa.reports.render import rows
from annexa.reports.render.markdown import text as markdown_text


@pytest.fixture
def report(demo):
    personas, audit = demo
    return data.build(personas["isms_manager"].ctx, audit)


def cited(report) -> EvidenceRef:
    """An evidence version a finding cites (it must be in the manifest)."""
    ref = next(e for f in report.findings for e in f.evidence)
    assert ref in report.manifest
    return ref


def test_it_renders_the_demo_report_in_every_format(report, tmp_path):
    """One test per build of the demo (each build costs seconds).

    A finding cites its evidence by manifest entry and short hash in DOCX and Markdown, by
    manifest entry only in HTML and PDF; only the manifest gives the full SHA-256, so each
    format holds the full hash of a cited version once.
    """
    ref = cited(report)
    sha = ref.sha256
    number = report.manifest.index(ref) + 1
    citation = rows.citation(report, ref)
    assert citation.startswith(f"E{number} ") and f"({sha[: rows.SHORT_HASH]})" in citation
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render.render(report, "pdf"))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5_000 for p in pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for name in (*SECTIONS, "Evidence manifest"):
        assert name in text, name
    assert sha in text.replace("\n", "")
    assert f"E{number} " in text and sha[: rows.SHORT_HASH] in text

    document = docx.Document(io.BytesIO(render.render(report, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == list(SECTIONS)
    assert [h.split(": ", 1)[1] for h in headings[5:]] == list(ANNEXES)
    manifest = document.tables[-1]
    assert [row.cells[-1].text for row in manifest.rows].count(sha) == 1
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert any(citation in text.split("\n") for text in cells)
    assert sum(sha in text for text in cells) == 1

    markdown = render.render(report, "md").decode("utf-8")
    lines = markdown.splitlines()
    assert lines[0] == f"# Internal audit report {report.audit.reference}"
    for name in SECTIONS:
        assert f"## {name}" in lines
    assert "## Annex 3: Evidence manifest" in lines and markdown.count(sha) == 1
    assert markdown_text(citation) in markdown

    html = render.render(report, "html").decode("utf-8")
    assert all(f"<h2>{name}</h2>" in html for name in SECTIONS)
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count(sha) == 1 and escape(citation) not in html
    assert escape(rows.ENTRY_NOTE) in html


def entry_numbers(cited: str) -> set[int]:
    """The entry numbers of ``E3, E5–E9``, ranges expanded."""
    numbers: set[int] = set()
    for part in cited.split(";")[0].split(", "):
        first, _, last = part.partition("–")
        numbers.update(range(int(first[1:]), int((last or first)[1:]) + 1))
    return numbers


def test_every_evidence_item_a_printed_finding_cites_is_found_in_the_manifest(report):
    """HTML and PDF cite by entry number (``E12–E36``): each cited version's number is in its
    finding's list, and that manifest entry gives its title, version and full SHA-256."""
    html = render.render(report, "html").decode("utf-8")
    findings, manifest = html.split('id="annex-evidence"')
    blocks = findings.split('<div class="finding">')[1:]
    assert len(blocks) == len(report.findings) and any(f.evidence for f in report.findings)
    for finding, block in zip(report.findings, blocks, strict=True):
        assert f"{escape(finding.reference)} · " in block
        # The short fields share a line, each still labelled.
        status = f"<strong>Status:</strong> {escape(finding.status_label)} · <strong>Auditees:"
        assert status in block
        found = re.search(r"<strong>Objective evidence:</strong> ([^<]*)</p>", block)
        if not finding.evidence:
            assert found.group(1) == "—"
            continue
        numbers = entry_numbers(found.group(1))
        for ref in finding.evidence:
            number = report.manifest_numbers[ref.uid]
            assert number in numbers
            line = re.search(rf"<p>E{number}&emsp;([^<]*)</p>", manifest).group(1)
            assert line.startswith(escape(f"{ref.title} v{ref.version} · "))
            assert line.endswith(f" · {ref.sha256}")
        assert len(numbers) == len({e.uid for e in finding.evidence})


def test_cited_entries_are_numbers_with_ranges_and_late_evidence_named():
    refs = [SimpleNamespace(uid=f"u{n}", after_fieldwork=n == 7) for n in (9, 3, 4, 5, 7, 12, 13)]
    report = SimpleNamespace(manifest_numbers={f"u{n}": n for n in range(1, 20)})
    assert rows.cited_entries(report, refs) == (
        "E3–E5, E7, E9, E12, E13; received after fieldwork: E7"
    )
    assert rows.cited_entries(report, []) == ""


def test_it_builds_every_section_from_the_demo_data(report):
    assert report.summary.conclusion == "not_conforming"  # the demo has a major nonconformity
    assert {g.grade: g.count for g in report.summary.counts}["major_nc"] >= 1
    assert report.summary.significant[0].grade == "major_nc"
    assert report.scope is not None and report.scope.text
    kinds = {limitation.kind for limitation in report.limitations}
    assert {"not examined", "sampling"} <= kinds
    assert report.samples and report.samples[0].records
    assert report.charts.by_clause and report.charts.by_theme
    cited = {e.uid for row in report.checklist for e in row.evidence}
    cited |= {e.uid for f in report.findings for e in f.evidence}
    assert {e.uid for e in report.manifest} == cited
