"""The supplier register in a real browser: the htmx filters swap the rows in place, a refused
assessment shows why beside its field, and an accepted one with its file links the evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD
from annexa.risks.services import suppliers

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def register(isla, catalog):
    today = timezone.localdate()
    cloud = suppliers.create_supplier(
        isla.ctx, {"name": "Old Cloud", "service": "Hosting", "criticality": "critical"}
    )
    suppliers.record_assessment(
        isla.ctx,
        cloud,
        {
            "kind": "iso27001",
            "assessed_on": today - dt.timedelta(days=400),
            "expires_on": today - dt.timedelta(days=2),
            "result": "satisfactory",
        },
    )
    suppliers.create_supplier(
        isla.ctx, {"name": "Good Mail", "service": "Mail", "criticality": "low"}
    )
    return cloud


def test_the_filters_swap_the_rows_in_place(page, isla, register):
    login(page, isla.user.email, PASSWORD)
    page.goto("/o/acme/suppliers/")
    assert page.locator("#supplier-rows tbody tr").count() == 2
    page.select_option("#id_certificate", "expired")
    page.wait_for_function(
        "() => document.querySelectorAll('#supplier-rows tbody tr').length === 1"
    )
    row = page.locator("#supplier-rows tbody tr").inner_text()
    expired = timezone.localdate() - dt.timedelta(days=2)
    assert "Old Cloud" in row and f"ISO/IEC 27001 certificate expired {expired}" in row
    assert "certificate=expired" in page.url  # pushed, so the filtered list can be shared


def test_an_assessment_is_refused_beside_its_field_then_recorded_with_its_file(
    page, isla, register, tmp_path
):
    today = timezone.localdate()
    login(page, isla.user.email, PASSWORD)
    page.goto(f"/o/acme/suppliers/{register.pk}/")
    page.select_option("#id_kind", "iso27001")
    page.fill("#id_assessed_on", today.isoformat())
    page.fill("#id_expires_on", (today - dt.timedelta(days=1)).isoformat())
    page.click("#add-assessment button[type=submit]")
    message = page.locator("#add-assessment .errors")
    message.wait_for()
    assert "The expiry date must be after the assessment date." in message.inner_text()
    assert page.locator("#add-assessment .errors").evaluate(
        "node => node.closest('p').querySelector('#id_expires_on') !== null"
    )  # beside the field it concerns
    certificate = tmp_path / "old-cloud-iso27001.pdf"
    certificate.write_bytes(PDF)
    page.fill("#id_expires_on", (today + dt.timedelta(days=365)).isoformat())
    page.set_input_files("#id_file", str(certificate))
    page.click("#add-assessment button[type=submit]")
    page.wait_for_selector("text=assessment recorded")
    link = page.locator("#assessments a", has_text="old-cloud-iso27001.pdf")
    assert link.count() == 1
    status = page.locator("#certificate-status").inner_text()
    assert status == f"ISO/IEC 27001 certificate valid until {today + dt.timedelta(days=365)}"
