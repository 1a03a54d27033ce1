"""The reviews demo, built as ``annexa demo`` builds it: inputs filled from the demo's data
(no blank section where data exists), decisions with owners, minutes in both formats."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document

from annexa.audits.demo import build_audits_demo
from annexa.audits.tests.test_demo import ROLES
from annexa.core.testing.fixtures import make_persona
from annexa.isms.demo import build_isms_demo
from annexa.ledger.models import LedgerEntry
from annexa.reviews import minutes, sources
from annexa.reviews.demo import TITLE, build_reviews_demo
from annexa.reviews.models import ManagementReview
from annexa.risks.demo import build_risks_demo

# The inputs whose live source holds data in the demo (the others are written by hand there).
FROM_DATA = (
    "9.3.2.a",  # the findings demo's action from a management review
    "9.3.2.b",  # the isms demo's context issues
    "9.3.2.c",  # its interested parties
    "9.3.2.d.1",  # the closed audit's findings and their actions
    "9.3.2.d.2",  # every Annex A control's monitoring status
    "9.3.2.d.3",  # the closed audit
    "9.3.2.d.4",  # the isms demo's objectives and their measurements
    "9.3.2.e",  # the interested parties to ask for feedback
    "9.3.2.f",  # the risks demo's register and treatment plan
    "9.3.2.g",  # the open observation and opportunity for improvement
)


@pytest.fixture
def built(acme, catalog, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    personas = {key: make_persona(acme, f"{key}@kestrel.test", r) for key, r in ROLES.items()}
    people = {key: persona.user for key, persona in personas.items()}
    ctx = personas["isms_manager"].ctx
    build_isms_demo(ctx, people)
    build_risks_demo(ctx, people)
    build_audits_demo(ctx, people)  # calls build_reviews_demo, as `annexa demo` does
    return ctx, people, ManagementReview.objects.get(organization=acme, title=TITLE)


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(body)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_it_fills_the_inputs_from_the_demo_data_and_exports_the_minutes(built, tmp_path):
    """One test for one build (a build costs seconds)."""
    ctx, people, review = built
    inputs = {row.requirement_id: row for row in review.inputs.select_related("requirement")}
    assert len(inputs) == 10
    for key in FROM_DATA:
        assert sources.has_data(inputs[key].assembled), f"{key} found no demo data"
    blank = [key for key, row in inputs.items() if not row.summary.strip()]
    assert blank == [], f"blank sections: {blank}"
    assert "1 overdue" not in inputs["9.3.2.a"].summary  # its only action is not yet due
    assert "1 action from earlier management reviews" in inputs["9.3.2.a"].summary
    assert "1 audit closed" in inputs["9.3.2.d.3"].summary
    objectives = inputs["9.3.2.d.4"]
    assert not objectives.assembled["manual"] and not objectives.summary_edited
    assert objectives.summary.startswith("4 objectives: 1 planned, 2 on track, 1 at risk")
    assert "OBJ-02 Critical security fixes reach production within a week is at risk" in (
        objectives.summary
    )
    assert review.status == "held" and review.chair == people["owner"]
    decisions = list(review.decisions.order_by("number"))
    assert [d.owner is not None for d in decisions] == [True, True, True, False]

    pdf, _, _ = minutes.render(review, "pdf")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for row in inputs.values():
        assert f"{row.requirement_id} {row.requirement.title}" in text
    assert "Decisions (clause 9.3.3)" in text
    docx, _, _ = minutes.render(review, "docx")
    headings = [
        p.text for p in Document(io.BytesIO(docx)).paragraphs if p.style.name.startswith("Heading")
    ]
    assert [h for h in headings if h.startswith("9.3.2")] == [
        f"{row.requirement_id} {row.requirement.title}"
        for row in sorted(inputs.values(), key=lambda r: r.requirement.sort_key)
    ]
    assert "Decisions (clause 9.3.3)" in headings

    entries = LedgerEntry.objects.filter(organization=ctx.org).count()
    assert build_reviews_demo(ctx, people).pk == review.pk
    assert LedgerEntry.objects.filter(organization=ctx.org).count() == entries
