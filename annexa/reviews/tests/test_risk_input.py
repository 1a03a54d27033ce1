"""Management review input 9.3.2 f) (results of risk assessment, status of the risk treatment
plan) is assembled from the risk register: the risks above the acceptance threshold, overdue
treatment, the open risks by residual level and what changed since the previous review; and
the demo's review has it filled from the demo's register (an acceptance item of issue 14)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from docx import Document

from annexa.reviews import minutes, services, sources
from annexa.reviews.demo import TITLE
from annexa.reviews.models import ManagementReview
from annexa.reviews.tests.test_demo import pdf_text
from annexa.risks.services import reporting
from annexa.risks.services import risks as risk_service

pytestmark = pytest.mark.django_db


def risk_input(review):
    return review.inputs.get(requirement_id="9.3.2.f")


def rows_of(assembled: dict, title: str) -> list[list]:
    return next(t["rows"] for t in assembled["tables"] if t["title"] == title)


@pytest.fixture
def register(isla, colin, catalog):
    """Colin's phishing risk, high and untreated (above the threshold), with an overdue
    action; Isla's backup risk, treated to low and accepted."""
    phishing = risk_service.create_risk(
        isla.ctx,
        {
            "title": "Credential phishing of administrators",
            "owner": colin.user,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "treatment": "modify",
            "controls": ["A.8.5"],
        },
    )
    risk_service.add_action(
        isla.ctx,
        phishing,
        {
            "title": "Phishing-resistant MFA for administrators",
            "owner": colin.user,
            "due_date": timezone.localdate() - dt.timedelta(days=3),
        },
    )
    backups = risk_service.create_risk(
        isla.ctx,
        {
            "title": "Backups unusable",
            "owner": isla.user,
            "inherent_likelihood": 2,
            "inherent_impact": 4,
            "treatment": "modify",
            "residual_likelihood": 1,
            "residual_impact": 3,
        },
    )
    risk_service.accept_residual(isla.ctx, backups)
    return phishing, backups


def test_it_assembles_the_risk_input_from_the_register(review, isla, register):
    phishing, _backups = register
    services.assemble(isla.ctx, review)
    row = risk_input(review)
    assembled = row.assembled
    assert not assembled["manual"] and sources.has_data(assembled)
    figures = dict(assembled["figures"])
    assert figures["Open risks"] == 2
    assert figures["Above the acceptance threshold"] == 1
    assert figures["Overdue treatment actions"] == 1
    assert figures["Residual risks accepted"] == 1
    above = rows_of(assembled, "Above the acceptance threshold")
    assert above == [[phishing.reference, phishing.title, 16, "no", "colin@acme.test"]]
    [overdue] = rows_of(assembled, "Overdue treatment actions")
    assert overdue[1] == phishing.reference and overdue[3] == "colin@acme.test"
    levels = dict(map(tuple, rows_of(assembled, "Open risks by residual level")))
    assert levels == {"Low": 1, "Medium": 0, "High": 0, "Very high": 0}
    statuses = dict(map(tuple, rows_of(assembled, "Risks by status")))
    assert statuses["Treated"] == 1 and statuses["Treatment planned"] == 1
    assert row.summary.startswith("2 open risks under methodology v1 (acceptance threshold 9)")
    assert f"{phishing.reference} Credential phishing of administrators (16)" in row.summary
    assert "1 treatment action overdue" in row.summary
    assert "2 risks identified since records began (this is the first review)." in row.summary
    # Labels, not stored values, for people.
    text = repr(assembled)
    assert "treatment_planned" not in text and "very_high" not in text


def test_the_next_review_counts_the_changes_since_the_previous_one(review, isla, register):
    phishing, backups = register
    services.assemble(isla.ctx, review)
    services.hold_review(isla.ctx, review, review.planned_date)
    risk_service.update_risk(isla.ctx, phishing, {"residual_likelihood": 2, "residual_impact": 3})
    later = services.create_review(
        isla.ctx, title="Autumn review", planned_date=review.planned_date, chair=None
    )
    services.assemble(isla.ctx, later)
    assembled = risk_input(later).assembled
    figures = dict(assembled["figures"])
    assert figures["Identified in the period"] == 0
    assert figures["New or changed in the period"] == 1
    assert rows_of(assembled, "New or changed in the period") == [
        [phishing.reference, phishing.title, "Treatment planned"]
    ]
    assert figures["Above the acceptance threshold"] == 0  # 2 × 3 = 6 after treatment
    assert f"0 risks identified and 1 more reassessed or changed since {review.reference}" in (
        risk_input(later).summary
    )
    assert backups.reference not in repr(rows_of(assembled, "New or changed in the period"))


def test_without_a_register_the_input_is_entered_by_hand_and_nothing_is_written(review, isla):
    from annexa.risks.models import Methodology

    services.assemble(isla.ctx, review)
    assembled = risk_input(review).assembled
    assert assembled["manual"] and "risk register is empty" in assembled["note"]
    # Reading the register did not create the organization's methodology.
    assert not Methodology.objects.for_org(review.organization).exists()


@pytest.fixture
def demo_review(catalog):
    from annexa.cli.demo import build_demo
    from annexa.ledger.keys import ensure_signing_key

    ensure_signing_key(Path(settings.SIGNING_KEY_PATH))
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        org, _ = build_demo()
    return ManagementReview.objects.get(organization=org, title=TITLE)


def test_the_demo_review_has_its_risk_input_from_the_demo_register(demo_review, tmp_path):
    """`annexa demo`: the held review's 9.3.2 f) is the register's, in the page's data and in
    the minutes (PDF and DOCX) — nothing typed by hand."""
    org = demo_review.organization
    row = risk_input(demo_review)
    assert not row.summary_edited and not row.assembled["manual"]
    live = reporting.review_input(org, since=None)
    figures = dict(row.assembled["figures"])
    assert figures["Open risks"] == live["open"] >= 35
    assert figures["Above the acceptance threshold"] == len(live["above_threshold"]) >= 3
    assert figures["Overdue treatment actions"] == len(live["overdue_actions"]) >= 3
    assert figures["Residual risks accepted"] == live["accepted"] > 0
    above = [r[0] for r in rows_of(row.assembled, "Above the acceptance threshold")]
    assert above == [r["reference"] for r in live["above_threshold"]]
    window = services.inputs.window_of(demo_review)
    assert row.summary == sources.risk_status(org, window)["summary"]
    assert row.summary.startswith(f"{live['open']} open risks")

    docx, _, _ = minutes.render(demo_review, "docx")
    cells = {
        cell.text
        for table in Document(io.BytesIO(docx)).tables
        for table_row in table.rows
        for cell in table_row.cells
    }
    assert set(above) <= cells
    pdf, _, _ = minutes.render(demo_review, "pdf")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Above the acceptance threshold" in text and above[0] in text
