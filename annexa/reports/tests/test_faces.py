"""The report page, API and CLI: who may issue, downloads of drafts and of issued bytes."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.reports import services
from annexa.reports.models import IssuedReport
from annexa.reports.tests.conftest import audit_with_note, review_and_approve


@pytest.fixture
def audit(acme, store):
    return audit_with_note(acme, "Reviewed the MFA policy and the sign-in log.")


def _url(name: str, audit, **kwargs) -> str:
    return reverse(name, kwargs={"org": audit.organization.slug, "pk": audit.pk, **kwargs})


def test_it_lets_only_managers_and_the_lead_issue_from_the_page(
    audit, client_for, vera, colin, audrey, isla
):
    for persona in (vera, colin, audrey):  # audrey audits, but is not this audit's lead
        response = client_for(persona).post(_url("reports:issue", audit))
        assert response.status_code == 403, persona.user.email
    assert not IssuedReport.objects.exists()
    review_and_approve(audit)
    client = client_for(isla)
    assert client.post(_url("reports:issue", audit)).status_code == 302
    issued = IssuedReport.objects.get(audit=audit)
    page = client.get(_url("reports:audit", audit))
    assert issued.file("pdf").version.sha256 in page.content.decode()
    download = client.get(_url("reports:issued-file", audit, number=1, report_format="docx"))
    assert (
        b"".join(download.streaming_content if download.streaming else [download.content])
        == (services.issued_bytes(issued, "docx")[0])
    )
    viewer = client_for(vera).get(_url("reports:draft", audit, report_format="md"))
    assert viewer.status_code == 200 and viewer["Content-Disposition"].startswith("attachment")


def test_it_issues_and_lists_through_the_api(audit, client_for, isla, vera):
    client = client_for(isla)
    base = f"/api/v1/orgs/acme/reports/audits/{audit.pk}"
    review_and_approve(audit)
    created = client.post(f"{base}/issue/")
    assert created.status_code == 201
    listed = client.get(f"{base}/issued/").json()["results"]
    assert [f["format"] for f in listed[0]["files"]] == ["docx", "html", "md", "oscal", "pdf"]
    md = next(f for f in listed[0]["files"] if f["format"] == "md")
    body = client.get(f"{base}/issued/1/md/").content
    assert hashlib.sha256(body).hexdigest() == md["sha256"]
    assert client.get(f"{base}/draft/xls/").status_code == 400
    changed = client.patch(
        f"{base}/settings/", {"classification": "restricted"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["classification"] == "restricted"
    refused = client_for(vera).patch(
        f"{base}/settings/", {"classification": "public"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_it_writes_drafts_and_issued_bytes_from_the_cli(audit, isla, tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["report", *args], catch_exceptions=False)

    target = tmp_path / "report.md"
    done = run(audit.reference, "--org", "acme", "--format", "md", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    assert target.read_text().startswith(f"# Internal audit report {audit.reference}")
    bad = run(audit.reference, "--org", "acme", "--format", "xls", "-o", str(target))
    assert bad.exit_code == 2 and "--format must be one of" in bad.stderr
    missing = run("IA-2099-09", "--org", "acme", "-o", str(target))
    assert missing.exit_code == 1 and "no audit" in missing.stderr
    none_yet = run(str(audit.uid), "--org", "acme", "--issued", "-o", str(target))
    assert none_yet.exit_code == 1 and "no issued report" in none_yet.stderr
    review_and_approve(audit)
    issued = services.issue(isla.ctx, audit)
    pdf = tmp_path / "issued.pdf"
    done = run(audit.reference, "--org", "acme", "--issued", "--format", "pdf", "-o", str(pdf))
    assert done.exit_code == 0
    assert pdf.read_bytes() == services.issued_bytes(issued, "pdf")[0]
