"""The risk assessment report and the risk treatment plan, as PDF and DOCX: what they say
agrees with the register."""

import datetime as dt
import io
import subprocess

import pytest
from django.utils import timezone

from annexa.isms.services.soa import ensure_soa, update_soa_entry
from annexa.risks import documents
from annexa.risks.services import risks


@pytest.fixture
def treated(phishing, colin, isla):
    ensure_soa(isla.ctx.org)
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": False, "justification": "No admins."})
    risk = risks.update_risk(
        colin.ctx,
        phishing,
        {
            "treatment": "modify",
            "treatment_plan": "Phishing-resistant second factor for every administrator.",
            "controls": ["A.8.5", "A.6.3"],
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    risks.add_action(
        colin.ctx,
        risk,
        {
            "title": "Roll out security keys",
            "owner": colin.user,
            "due_date": timezone.localdate() - dt.timedelta(days=3),
            "control": "A.8.5",
        },
    )
    risks.create_risk(
        isla.ctx,
        {
            "title": "Flood in the server room",
            "owner": isla.user,
            "inherent_likelihood": 2,
            "inherent_impact": 5,
        },
    )
    return risks.accept_residual(colin.ctx, risk)


def _pdf_text(body: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=body, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def _docx_text(body: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(body))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return " ".join(" ".join([p.text for p in doc.paragraphs] + cells).split())


def test_the_assessment_report_agrees_with_the_register(treated, acme):
    document = documents.assessment_report(acme)
    front = dict(document.front)
    assert front["Risks"] == "2 in the register, 2 open"
    assert front["Above the acceptance threshold"] == "1"  # the flood: 10, untreated
    assert front["By status"] == "Assessed: 1, Treatment planned: 1"
    pdf, name = documents.render(acme, "assessment", "pdf")
    assert name.startswith("acme-risk-assessment-") and pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for expected in (
        "R-0001 Credential phishing of administrators",
        "L4 × I4 = 16 (High)",
        "L2 × I2 = 4 (Low)",
        "R-0002 Flood in the server room",
        "Colin",
    ):
        assert expected in text, expected
    docx, _ = documents.render(acme, "assessment", "docx")
    assert "L4 × I4 = 16 (High)" in _docx_text(docx)


def test_the_treatment_plan_lists_actions_soa_state_and_acceptance(treated, acme):
    pdf, _ = documents.render(acme, "treatment", "pdf")
    text = _pdf_text(pdf)
    assert "RT-0001" in text and "Roll out security keys (A.8.5)" in text
    assert "overdue" in text
    assert "A.8.5 (SoA: excluded!)" in text and "A.6.3 (SoA: undecided)" in text
    assert "Residual risk: by Colin" in text
    front = dict(documents.treatment_plan(acme).front)
    assert front["Treatment actions overdue"] == "1"
    assert front["SoA: controls proposed / excluded though chosen"] == "1 / 1"
    docx, name = documents.render(acme, "treatment", "docx")
    assert name.endswith(".docx") and "Roll out security keys (A.8.5)" in _docx_text(docx)


def test_an_unknown_document_or_format_is_refused(acme):
    with pytest.raises(documents.DocumentError, match="use one of assessment, treatment"):
        documents.render(acme, "summary", "pdf")
    with pytest.raises(documents.DocumentError, match="use one of pdf, docx"):
        documents.render(acme, "assessment", "odt")
