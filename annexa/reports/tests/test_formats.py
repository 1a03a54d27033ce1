"""The demo audit's report in every format: the PDF as pages (PNG and text), DOCX, Markdown."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest

from annexa.reports import data, render
from annexa.reports.data import ANNEXES, SECTIONS


@pytest.fixture
def report(demo):
    personas, audit = demo
    return data.build(personas["isms_manager"].ctx, audit)


def cited_sha256(report) -> str:
    """The SHA-256 of an evidence version a finding cites (it must be in the manifest)."""
    cited = next(e for f in report.findings for e in f.evidence)
    assert cited in report.manifest
    return cited.sha256


def test_it_renders_the_demo_report_in_every_format(report, tmp_path):
    """One test per build of the demo (each build costs seconds)."""
    sha = cited_sha256(report)
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

    document = docx.Document(io.BytesIO(render.render(report, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == list(SECTIONS)
    assert [h.split(": ", 1)[1] for h in headings[5:]] == list(ANNEXES)
    manifest = document.tables[-1]
    assert any(sha == row.cells[-1].text for row in manifest.rows)

    markdown = render.render(report, "md").decode("utf-8")
    lines = markdown.splitlines()
    assert lines[0] == f"# Internal audit report {report.audit.reference}"
    for name in SECTIONS:
        assert f"## {name}" in lines
    assert "## Annex 3: Evidence manifest" in lines and sha in markdown

    html = render.render(report, "html").decode("utf-8")
    assert all(f"<h2>{name}</h2>" in html for name in SECTIONS)
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


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
