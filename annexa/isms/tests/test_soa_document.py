"""The SoA as a controlled document: numbered approvals by a manager, a front page with version,
date and approver, the controls, and the change history since the previous approved version."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.isms.services import soa_document, update_soa_entry
from annexa.ledger.models import LedgerEntry

DECIDED = {"applicable": True, "justification": "Needed for customer access.", "status": "planned"}


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_approving_numbers_versions_and_refuses_others_and_no_change(soa, isla, alice, colin):
    with pytest.raises(PermissionDenied):
        soa_document.approve_soa(colin.ctx)  # a control owner does not approve the SoA
    first = soa_document.approve_soa(isla.ctx, "First approved SoA.")
    assert (first.number, first.approved_by) == (1, isla.user)
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        soa_document.approve_soa(alice.ctx)
    update_soa_entry(isla.ctx, "A.5.15", DECIDED)
    second = soa_document.approve_soa(alice.ctx)
    assert second.number == 2 and second.snapshot_sha256 != first.snapshot_sha256
    entry = LedgerEntry.objects.get(
        organization=soa, object_type="soa", action="approve", seq=second.ledger_seq
    )
    assert '"number":2' in entry.data and alice.user.email in entry.data


def test_the_document_is_the_approved_version_or_a_draft_with_the_changes_since(soa, isla, alice):
    soa_document.approve_soa(isla.ctx)
    update_soa_entry(isla.ctx, "A.5.15", DECIDED)
    draft = soa_document.build(soa)
    assert draft.version == "Draft (changes since version 1)"
    assert draft.approver == "Not approved"
    assert [(c.control, c.actor) for c in draft.changes] == [("A.5.15", isla.user.email)]
    assert "justification: — → Needed for customer access." in draft.changes[0].summary

    approval = soa_document.approve_soa(alice.ctx, "Access control decided.")
    update_soa_entry(alice.ctx, "A.5.16", DECIDED)  # after version 2: not in its history
    update_soa_entry(alice.ctx, "A.5.16", {"applicable": False, "justification": "No IdM."})
    soa_document.approve_soa(alice.ctx)
    data, name = soa_document.render(soa, "docx")
    assert name == "acme-soa-version-3.docx"
    text = _docx_text(data)
    for expected in (
        "Statement of Applicability",
        "Acme Ltd",
        "Version 3",
        "Alice Owner <alice@acme.test>",
        "Change history since version 2",
        "A.5.16",
        "No IdM.",
    ):
        assert expected in text, expected
    assert "A.5.15" in text  # the controls table lists every control
    three = soa_document.build(soa)
    assert [c.control for c in three.changes] == ["A.5.16", "A.5.16"]
    assert approval.number == 2


def test_the_pdf_has_the_front_page_and_the_history(soa, isla, tmp_path):
    update_soa_entry(isla.ctx, "A.5.15", DECIDED)
    approval = soa_document.approve_soa(isla.ctx)
    data, name = soa_document.render(soa, "pdf")
    assert data.startswith(b"%PDF") and name == "acme-soa-version-1.pdf"
    pdf = tmp_path / name
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    words = " ".join(text.stdout.split())
    for expected in (
        "Version 1",
        f"{approval.approved_at:%Y-%m-%d}",
        "isla@acme.test",
        "Change history since the SoA was created",
        "Needed for customer access.",
    ):
        assert expected in words, expected


def test_the_cli_approves_and_writes_the_document(soa, isla, colin, tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["soa", *args], catch_exceptions=False)

    refused = run("approve", "--org", "acme", "--user", colin.user.email)
    assert refused.exit_code == 1 and "may not" in refused.stderr
    done = run("approve", "--org", "acme", "--user", isla.user.email, "--note", "Board review")
    assert done.exit_code == 0 and "SoA version 1 approved" in done.stderr
    again = run("approve", "--org", "acme", "--user", isla.user.email)
    assert again.exit_code == 2 and "Nothing changed since version 1" in again.stderr
    target = tmp_path / "soa.docx"
    written = run("document", "--org", "acme", "--format", "docx", "-o", str(target))
    assert written.exit_code == 0, written.stderr
    assert "Board review" in _docx_text(target.read_bytes())
    bad = run("document", "--org", "acme", "--format", "xlsx", "-o", str(target))
    assert bad.exit_code == 2 and "--format must be pdf or docx" in bad.stderr


def test_the_page_and_the_api_approve_and_download(soa, isla, vera, client_for, api):
    from django.urls import reverse

    approve = reverse("isms:soa-approve", kwargs={"org": "acme"})
    assert client_for(vera).post(approve, {"note": "x"}).status_code == 403
    page = client_for(isla).post(approve, {"note": "Approved by the board."}, follow=True)
    assert "SoA version 1 approved." in page.content.decode()
    again = client_for(isla).post(approve, follow=True)
    assert "Nothing changed since version 1" in again.content.decode()
    download = client_for(vera).get(reverse("isms:soa-document-docx", kwargs={"org": "acme"}))
    assert download.status_code == 200
    assert "Approved by the board." in _docx_text(download.content)

    update_soa_entry(isla.ctx, "A.5.15", DECIDED)
    refused = api(vera).post("/api/v1/orgs/acme/soa/approve", {"note": "x"}, format="json")
    assert refused.status_code == 403
    created = api(isla).post("/api/v1/orgs/acme/soa/approve", {"note": "v2"}, format="json")
    assert created.status_code == 201 and created.json()["number"] == 2
    pdf = api(vera).get("/api/v1/orgs/acme/soa/document.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api(vera).get("/api/v1/orgs/acme/soa/document.xlsx").status_code == 404
