"""A PDF made on request shows that it is under way: the link is fetched by
``download-progress.js``, the page says "Preparing the PDF…" with a progress bar while the
server renders, then the file is saved under the server's name; a PDF over the time limit
(503) shows the server's reason beside the link, and the page stays where it was."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from annexa.audits.services import checklist_io
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PDF_LINK = "a[data-download-progress]"
STATUS = "[data-download-status][role=status]"
ALERT = "[data-download-status][role=alert]"


@pytest.fixture
def checklist_page(page, items, fieldwork_audit, audrey):
    # The personas share one cached password hash, made with whichever hasher the first test
    # of the session used: hash it here with this one's (as the audit walkthrough does).
    audrey.user.set_password(PASSWORD)
    audrey.user.save(update_fields=["password"])
    login(page, audrey.user.email, PASSWORD)
    page.goto(reverse("audits:checklist", kwargs={"org": "acme", "pk": fieldwork_audit.pk}))
    return page


def test_a_slow_checklist_pdf_shows_progress_then_downloads(checklist_page, monkeypatch):
    page = checklist_page
    render = checklist_io.export_pdf

    def slow(audit):  # the live server runs in this process: a render that takes a while
        time.sleep(2.5)
        return render(audit)

    monkeypatch.setattr(checklist_io, "export_pdf", slow)
    url = page.url
    with page.expect_download(timeout=60_000) as download_info:
        page.click(PDF_LINK)
        status = page.locator(STATUS)
        status.wait_for(state="visible", timeout=2_000)  # within a second of the click
        assert "Preparing the PDF…" in status.inner_text()
        assert page.locator(f"{STATUS} progress").count() == 1
        assert page.get_attribute(PDF_LINK, "aria-busy") == "true"
    download = download_info.value
    assert download.suggested_filename.startswith("checklist-IA-2026-01-")
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
    page.locator(STATUS).wait_for(state="detached")
    assert page.get_attribute(PDF_LINK, "aria-busy") is None
    assert page.url == url


def test_a_checklist_pdf_over_the_time_limit_shows_the_reason(checklist_page, settings):
    page = checklist_page
    settings.REPORT_PDF_SECONDS = 0.01
    url = page.url
    page.click(PDF_LINK)
    alert = page.locator(ALERT)
    alert.wait_for(state="visible", timeout=30_000)
    assert "The PDF could not be made" in alert.inner_text()
    assert "ANNEXA_REPORT_PDF_SECONDS" in alert.inner_text()
    assert page.locator(STATUS).count() == 0 and page.url == url


def test_the_report_page_offers_its_pdf_with_progress(checklist_page, fieldwork_audit):
    page = checklist_page
    kwargs = {"org": "acme", "pk": fieldwork_audit.pk}
    page.goto(reverse("reports:audit", kwargs=kwargs))
    link = page.locator(PDF_LINK)
    assert link.count() == 1 and link.inner_text().strip() == "PDF"
    draft = reverse("reports:draft", kwargs={**kwargs, "report_format": "pdf"})
    assert link.get_attribute("href") == draft
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    assert any(s.endswith("/download-progress.js") for s in scripts)
