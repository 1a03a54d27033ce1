"""``annexa review list|show|assemble|minutes``."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from typer.testing import CliRunner

from annexa.cli.main import app


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_it_lists_shows_and_assembles(run, review):
    listed = run("review", "list", "--org", "acme", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert [r["reference"] for r in json.loads(listed.stdout)] == ["MR-2026-01"]
    assert "MR-2026-01" in run("review", "list", "--org", "acme").stdout
    assembled = run("review", "assemble", "MR-2026-01", "--org", "acme")
    assert assembled.exit_code == 0, assembled.stderr
    assert len(json.loads(assembled.stdout)["refreshed"]) == 10
    shown = run("review", "show", "MR-2026-01", "--org", "acme", "--format", "json")
    record = json.loads(shown.stdout)
    assert record["inputs"][0]["summary"].startswith("No action")
    text = run("review", "show", "MR-2026-01", "--org", "acme").stdout
    assert "9.3.2.f Risk assessment results" in text


def test_it_writes_the_minutes(run, review, tmp_path):
    target = tmp_path / "minutes.docx"
    result = run(
        "review", "minutes", "MR-2026-01", "--org", "acme", "--format", "docx", "-o", str(target)
    )
    assert result.exit_code == 0, result.stderr
    headings = [p.text for p in Document(io.BytesIO(target.read_bytes())).paragraphs]
    assert "Inputs (clause 9.3.2)" in headings
    pdf = tmp_path / "minutes.pdf"
    run("review", "minutes", "MR-2026-01", "--org", "acme", "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_it_refuses_bad_input_without_a_traceback(run, review, isla, tmp_path):
    from annexa.reviews import services

    missing = run("review", "show", "MR-1999-09", "--org", "acme")
    assert missing.exit_code == 2 and "no management review" in missing.stderr
    bad = run("review", "minutes", "MR-2026-01", "--org", "acme", "--format", "odt", "-o", "x")
    assert bad.exit_code == 2
    services.assemble(isla.ctx, review)
    services.hold_review(isla.ctx, review)
    frozen = run("review", "assemble", "MR-2026-01", "--org", "acme")
    assert frozen.exit_code == 2 and "draft" in frozen.stderr
    assert "Traceback" not in frozen.stderr
