"""A report is issued only after review: submitted, reviewed by the audit's lead auditor,
approved by the audit programme's approver; each step refused to anyone else, recorded in the
ledger and shown in the report's front matter."""

from __future__ import annotations

import io
import json
import subprocess
from html import escape

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from annexa.core.tenancy import OrgContext
from annexa.ledger.models import LedgerEntry
from annexa.reports import services
from annexa.reports.models import IssuedReport
from annexa.reports.render.markdown import text as markdown_text
from annexa.reports.tests.conftest import audit_with_note


@pytest.fixture
def audit(acme, store, isla):
    """An audit whose programme the ISMS manager approved (so she approves its report)."""
    found = audit_with_note(acme, "Reviewed the MFA policy and the sign-in log.")
    found.programme.approved_by = isla.user
    found.programme.save(update_fields=["approved_by"])
    return found


@pytest.fixture
def lead(audit):
    return OrgContext.member(audit.organization, audit.lead_auditor)


def _refused(call, ctx, audit, *expected: str) -> None:
    with pytest.raises(PermissionDenied) as caught:
        call(ctx, audit)
    for text in expected:
        assert text in str(caught.value)


def _conflict(call, ctx, audit, expected: str) -> None:
    with pytest.raises(services.ReportError) as caught:
        call(ctx, audit)
    assert expected in str(caught.value)


def test_each_step_is_refused_out_of_order_and_to_the_wrong_person(
    audit, lead, isla, audrey, vera, alice
):
    lead_email = audit.lead_auditor.email
    _conflict(services.issue, isla.ctx, audit, "has not been submitted for review")
    _conflict(services.mark_reviewed, lead, audit, "has not been submitted for review yet")
    _refused(services.submit_for_review, vera.ctx, audit, "only the lead auditor or the ISMS")
    _refused(services.submit_for_review, audrey.ctx, audit)  # an auditor, not this audit's lead
    services.submit_for_review(isla.ctx, audit)
    _conflict(services.submit_for_review, lead, audit, "already submitted for review")
    _conflict(services.approve, isla.ctx, audit, "must be reviewed by the lead auditor")
    _conflict(services.issue, isla.ctx, audit, "awaits the lead auditor's review")
    for other in (isla, audrey, alice):  # managers and owners do not review for the lead
        _refused(services.mark_reviewed, other.ctx, audit, "only the lead auditor", lead_email)
    services.mark_reviewed(lead, audit)
    _conflict(services.mark_reviewed, lead, audit, "already reviewed")
    _conflict(services.issue, lead, audit, "reviewed but not approved yet")
    for other in (lead, alice, audrey):  # an owner neither: the programme names its approver
        ctx = other if isinstance(other, OrgContext) else other.ctx
        _refused(services.approve, ctx, audit, "programme's approver (isla@acme.test)")
    services.approve(isla.ctx, audit)
    _conflict(services.approve, isla.ctx, audit, "already approved")
    assert not IssuedReport.objects.filter(audit=audit).exists()

    issued = services.issue(lead, audit)
    assert issued.review.reviewed_by == audit.lead_auditor
    assert issued.review.approved_by == isla.user
    # The approval was for that version: the next one needs its own review.
    assert services.open_review(audit) is None
    _conflict(services.issue, lead, audit, "has not been submitted for review")

    entries = LedgerEntry.objects.for_org(audit.organization).filter(object_type="report")
    steps = {e.action: json.loads(e.data) for e in entries}
    assert steps["submit"]["submitted_by"] == isla.user.email
    assert steps["review"]["reviewed_by"] == lead_email
    assert steps["approve"]["approved_by"] == isla.user.email
    assert steps["issue"]["reviewed_by"] == lead_email
    assert steps["issue"]["approved_by"] == isla.user.email


def test_an_owner_approves_when_the_programme_names_no_approver(audit, lead, isla, alice):
    audit.programme.approved_by = None
    audit.programme.save(update_fields=["approved_by"])
    services.submit_for_review(lead, audit)
    services.mark_reviewed(lead, audit)
    _refused(services.approve, isla.ctx, audit, "an owner of the organization")
    assert services.approve(alice.ctx, audit).approved_by == alice.user


def test_the_front_matter_of_every_format_says_who_reviewed_and_approved_and_when(
    audit, lead, isla, tmp_path
):
    draft, _name = services.draft(isla.ctx, audit, "md")
    assert b"Not yet submitted for review." in draft
    services.submit_for_review(lead, audit)
    services.mark_reviewed(lead, audit)
    draft, _name = services.draft(isla.ctx, audit, "md")
    assert b"; not yet approved." in draft
    review = services.approve(isla.ctx, audit)
    issued = services.issue(lead, audit)
    line = (
        f"Reviewed by {audit.lead_auditor.email} on {review.reviewed_at:%Y-%m-%d}, "
        f"approved by Isla Manager <isla@acme.test> on {review.approved_at:%Y-%m-%d}."
    )
    assert markdown_text(line) in services.issued_bytes(issued, "md")[0].decode()
    assert escape(line) in services.issued_bytes(issued, "html")[0].decode()
    document = docx.Document(io.BytesIO(services.issued_bytes(issued, "docx")[0]))
    assert line in [p.text for p in document.paragraphs]
    pdf = tmp_path / "issued.pdf"
    pdf.write_bytes(services.issued_bytes(issued, "pdf")[0])
    extracted = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert line in " ".join(extracted.split())


def test_the_api_and_the_page_take_the_steps_and_name_who_may(
    audit, lead, isla, audrey, client_for
):
    base = f"/api/v1/orgs/acme/reports/audits/{audit.pk}/review"
    client = client_for(isla)
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/publish/").status_code == 404
    submitted = client.post(f"{base}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    refused = client.post(f"{base}/review/")
    assert refused.status_code == 403
    assert audit.lead_auditor.email in refused.json()["detail"]
    assert client.post(f"{base}/approve/").status_code == 409  # not reviewed yet
    services.mark_reviewed(lead, audit)

    page = reverse("reports:review-step", kwargs={"org": "acme", "pk": audit.pk, "step": "approve"})
    response = client_for(audrey).post(page, follow=True)
    assert "only the audit programme&#x27;s approver" in response.content.decode()
    client = client_for(isla)  # the test client signs in one person at a time
    response = client.post(page, follow=True)
    assert "report approved; it may now be issued" in response.content.decode()
    state = client.get(f"{base}/").json()
    assert state["state"] == "approved" and state["approved_by"] == isla.user.email
