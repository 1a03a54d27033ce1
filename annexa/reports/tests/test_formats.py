"""The demo audit's report in every format: the PDF as pages (PNG and text), DOCX, Markdown."""

from __future__ import annotations

import io
import subprocess
from html import escape

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

    A finding cites its evidence by manifest entry and short hash; only the manifest gives the
    full SHA-256, so each format holds the full hash of a cited version once.
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
    assert html.count(sha) == 1 and escape(citation) in html


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
