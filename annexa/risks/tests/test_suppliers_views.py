"""The supplier register's pages: what every member reads, what managers change, and every
refusal shown where the person looks."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annexa.evidence.models import Evidence
from annexa.risks.models import Supplier, SupplierAssessment
from annexa.risks.services import assets, suppliers

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def cloud(isla, colin, phishing):
    """Colin's critical hosting supplier with an expired ISO/IEC 27001 certificate."""
    supplier = suppliers.create_supplier(
        isla.ctx,
        {
            "name": "Old Cloud",
            "service": "Hosting of the customer platform",
            "criticality": "critical",
            "owner": colin.user,
            "review_date": _today() - dt.timedelta(days=3),
            "risks": [phishing],
            "contract": "MSA 2024-07",
        },
    )
    suppliers.record_assessment(
        isla.ctx,
        supplier,
        {
            "kind": "other_certificate",
            "assessed_on": _today() - dt.timedelta(days=500),
            "expires_on": _today() - dt.timedelta(days=1),
            "result": "conditions",
        },
        upload=suppliers.Upload(filename="cloud-attestation.pdf", chunks=[PDF]),
    )
    return supplier


def url(supplier: Supplier | None = None, action: str = "") -> str:
    if supplier is None:
        return "/o/acme/suppliers/" + (f"{action}/" if action else "")
    return f"/o/acme/suppliers/{supplier.pk}/" + (f"{action}/" if action else "")


def visible(response) -> str:
    """The page's text without its tags (what a person reads)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


# --- reading -----------------------------------------------------------------------------------


def test_every_member_reads_the_list_with_the_certificate_in_words(cloud, client_for, vera):
    response = client_for(vera).get(url())
    assert response.status_code == 200
    text = visible(response)
    expired = _today() - dt.timedelta(days=1)
    assert f"Other certificate or attestation expired {expired}" in text
    assert "Critical" in text and "overdue" in text and "Colin Owner" in text
    assert "other_certificate" not in text and "New supplier" not in text


def test_the_list_filters_with_htmx(cloud, isla, client_for):
    suppliers.create_supplier(
        isla.ctx, {"name": "Good Mail", "service": "Mail", "criticality": "low"}
    )
    client = client_for(isla)
    rows = client.get(url(), {"certificate": "expired"}, HTTP_HX_REQUEST="true")
    assert rows.status_code == 200
    assert b"<html" not in rows.content  # only the rows
    assert b"Old Cloud" in rows.content and b"Good Mail" not in rows.content
    everything = client.get(url(), {"criticality": "low"})
    assert b"Good Mail" in everything.content and b"Old Cloud" not in everything.content
    refused = client.get(url(), {"overdue": "maybe"}, HTTP_HX_REQUEST="true")
    assert "Review overdue: Use true or false." in visible(refused)  # in the swapped rows
    assert "Certificate: Select a valid choice." in visible(client.get(url(), {"certificate": "x"}))


def test_the_detail_shows_assessments_evidence_risks_and_history(
    cloud, client_for, vera, phishing, isla
):
    asset = assets.create_asset(isla.ctx, {"name": "Old Cloud (supplier)", "kind": "supplier"})
    suppliers.update_supplier(isla.ctx, cloud, {"asset": asset})
    response = client_for(vera).get(url(cloud))
    assert response.status_code == 200
    text = visible(response)
    evidence = Evidence.objects.get()
    assert f'href="/o/acme/evidence/{evidence.pk}/"' in response.content.decode()
    assert "cloud-attestation.pdf" in text and "Satisfactory with conditions" in text
    assert "R-0001 Credential phishing of administrators" in text
    assert f'href="/o/acme/risks/{phishing.pk}/"' in response.content.decode()
    assert f'href="/o/acme/assets/{asset.pk}/"' in response.content.decode()
    assert "record assessment" in text and "Old Cloud" in text
    assert "Other certificate or attestation" in text and "other_certificate" not in text
    assert not UUID.search(text), UUID.search(text)
    assert "Record an assessment" not in text and "Retire the supplier" not in text


def test_another_organization_sees_nothing(cloud, client_for, oscar):
    client = client_for(oscar)
    assert client.get(url(cloud)).status_code == 404
    assert client.get(url()).status_code == 404
    assert client.post(url(cloud, "retire"), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["edit", "retire", "reinstate", "assessments/new"])
def test_a_viewer_may_not_change_anything(cloud, client_for, vera, action):
    client = client_for(vera)
    assert client.post(url(cloud, action), {"reason": "x"}).status_code == 403
    assert client.post(url(None, "new"), {"name": "X"}).status_code == 403
    assert client.get(url(None, "new")).status_code == 403
    assert not Supplier.objects.filter(name="X").exists() and cloud.assessments.count() == 1


# --- changing ----------------------------------------------------------------------------------


def test_a_manager_creates_a_supplier(client_for, isla, colin, phishing):
    client = client_for(isla)
    assert client.get(url(None, "new")).status_code == 200
    response = client.post(
        url(None, "new"),
        {
            "name": "PayFast Ltd",
            "service": "Payroll",
            "criticality": "high",
            "owner": colin.user.pk,
            "review_date": "2027-03-31",
            "risks": [phishing.pk],
        },
    )
    supplier = Supplier.objects.get(name="PayFast Ltd")
    assert response.status_code == 302 and response["Location"] == url(supplier)
    assert supplier.owner == colin.user and list(supplier.risks.all()) == [phishing]


def test_a_refused_form_shows_why_beside_the_field(cloud, client_for, isla):
    response = client_for(isla).post(
        url(None, "new"), {"name": "old cloud", "service": "", "criticality": "high"}
    )
    assert response.status_code == 422
    text = visible(response)
    assert "A supplier named 'old cloud' is already in the register." in text
    assert "The service the supplier provides is required." in text


def test_an_edit_over_someone_elses_change_is_refused(cloud, client_for, isla):
    client = client_for(isla)
    form = client.get(url(cloud, "edit"))
    assert 'name="version" value="1"' in form.content.decode()  # the version the form shows
    suppliers.update_supplier(isla.ctx, cloud, {"contract": "MSA 2026-01"})
    response = client.post(
        url(cloud, "edit"),
        {"name": "Old Cloud", "service": "Hosting", "criticality": "high", "version": 1},
    )
    assert response.status_code == 409
    assert "was changed by someone else since you read it" in visible(response)
    cloud.refresh_from_db()
    assert cloud.criticality == "critical"


def test_an_assessment_with_its_file_becomes_evidence(cloud, client_for, isla):
    response = client_for(isla).post(
        url(cloud, "assessments/new"),
        {
            "kind": "iso27001",
            "assessed_on": _today().isoformat(),
            "expires_on": (_today() + dt.timedelta(days=365)).isoformat(),
            "result": "satisfactory",
            "next_review": (_today() + dt.timedelta(days=180)).isoformat(),
            "file": SimpleUploadedFile("iso-2026.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302 and response["Location"] == url(cloud)
    latest = SupplierAssessment.objects.order_by("-pk").first()
    assert latest.evidence.current_version.filename == "iso-2026.pdf"
    page = visible(client_for(isla).get(url(cloud)))
    assert "assessment recorded" in page
    assert f"ISO/IEC 27001 certificate valid until {_today() + dt.timedelta(days=365)}" in page
    assert "review overdue" not in page


def test_a_refused_assessment_is_shown_on_the_suppliers_page(cloud, client_for, isla):
    response = client_for(isla).post(
        url(cloud, "assessments/new"),
        {
            "kind": "soc2",
            "assessed_on": _today().isoformat(),
            "expires_on": (_today() - dt.timedelta(days=1)).isoformat(),
            "result": "satisfactory",
            "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="text/plain"),
        },
    )
    assert response.status_code == 422
    text = visible(response)
    assert "The expiry date must be after the assessment date." in text
    assert "Old Cloud" in text and "Record an assessment" in text
    assert cloud.assessments.count() == 1
    refused_file = client_for(isla).post(
        url(cloud, "assessments/new"),
        {
            "kind": "questionnaire",
            "assessed_on": _today().isoformat(),
            "result": "satisfactory",
            "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="text/plain"),
        },
    )
    assert refused_file.status_code == 422
    assert "The file was not stored" in visible(refused_file)
    assert cloud.assessments.count() == 1


def test_an_oversized_file_is_refused_beside_the_field(cloud, client_for, isla, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = client_for(isla).post(
        url(cloud, "assessments/new"),
        {
            "kind": "questionnaire",
            "assessed_on": _today().isoformat(),
            "result": "satisfactory",
            "file": SimpleUploadedFile("big.pdf", PDF * 10, content_type="application/pdf"),
        },
    )
    assert response.status_code == 422
    assert "the file is larger than the upload limit of 100 bytes" in visible(response)
    assert cloud.assessments.count() == 1


def test_retiring_needs_a_reason_and_reinstating_brings_it_back(cloud, client_for, isla):
    client = client_for(isla)
    refused = client.post(url(cloud, "retire"), {"reason": ""})
    assert refused.status_code == 400 and "This field is required." in visible(refused)
    retired = client.post(url(cloud, "retire"), {"reason": "Moved to another host."})
    assert retired.status_code == 302
    page = visible(client.get(url(cloud)))
    assert "Retired" in page and "reinstate it to record an assessment" in page
    assert "Old Cloud" not in visible(client.get(url()))
    assert client.post(url(cloud, "reinstate")).status_code == 302
    cloud.refresh_from_db()
    assert not cloud.retired
    again = client.post(url(cloud, "reinstate"))
    assert again.status_code == 400 and "already in use" in visible(again)
