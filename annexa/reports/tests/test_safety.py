"""User text cannot make a report load anything: escaped in every format, refused by the PDF's
fetcher even if markup got through, and a PDF that takes too long is stopped."""

from __future__ import annotations

import io
import re

import docx
import pytest

from annexa.reports import data, render
from annexa.reports.render import RenderError
from annexa.reports.render.fetcher import AssetFetcher
from annexa.reports.render.html import render_html
from annexa.reports.render.pdf import render_pdf
from annexa.reports.render.pdf_worker import write_pdf
from annexa.reports.render.rows import CHECKLIST_HEADER
from annexa.reports.tests.conftest import audit_with_note

LOCAL = '<img src="file:///etc/passwd">'
REMOTE = '<img src="http://example.com/x.png">'


@pytest.fixture
def hostile(acme, isla):
    return data.build(isla.ctx, audit_with_note(acme, f"Looked fine. {LOCAL} {REMOTE}"))


def test_it_escapes_markup_in_notes_in_every_text_format(hostile):
    html = render_html(hostile)
    assert LOCAL not in html and REMOTE not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    markdown = render.render(hostile, "md").decode("utf-8")
    assert re.search(r"(?<!\\)<img", markdown) is None  # every < escaped
    assert r'\<img src="file:///etc/passwd"\>' in markdown
    document = docx.Document(io.BytesIO(render.render(hostile, "docx")))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert any(LOCAL in text for text in cells)  # shown as text, as typed


def test_it_fetches_nothing_while_rendering_the_report_pdf(hostile):
    spy = AssetFetcher()
    pdf = write_pdf(render_html(hostile), spy)
    assert pdf.startswith(b"%PDF")
    assert spy.requested == []


def test_it_refuses_local_and_remote_urls_even_in_raw_markup():
    """Were escaping to fail, the fetcher is the second wall: it serves its own assets only."""
    logo = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    spy = AssetFetcher({"logo.svg": (logo, "image/svg+xml")})
    html = (
        f"<html><body><p>{LOCAL}{REMOTE}</p><img src='annexa-report:logo.svg'>"
        "<img src='data:image/png;base64,iVBORw0KGgo='></body></html>"
    )
    pdf = write_pdf(html, spy)
    assert pdf.startswith(b"%PDF")
    assert set(spy.refused) == {
        "file:///etc/passwd",
        "http://example.com/x.png",
        "data:image/png;base64,iVBORw0KGgo=",
    }
    assert [url for url in spy.requested if url not in spy.refused] == ["annexa-report:logo.svg"]


def test_it_renders_the_hostile_report_in_the_worker_process(hostile):
    assert render.render(hostile, "pdf").startswith(b"%PDF")


def test_it_stops_a_pdf_that_takes_longer_than_the_limit(hostile):
    with pytest.raises(RenderError, match="longer than"):
        render_pdf(render_html(hostile), hostile, time_limit=0.01)


def test_the_pdf_time_limit_comes_from_the_settings_and_the_error_names_it(hostile, settings):
    settings.REPORT_PDF_SECONDS = 0.01
    with pytest.raises(RenderError) as stopped:
        render.render(hostile, "pdf")
    message = str(stopped.value)
    assert "longer than 0.01 seconds" in message and "ANNEXA_REPORT_PDF_SECONDS" in message


def test_a_draft_pdf_over_the_time_limit_answers_503_with_the_reason(
    acme, isla, client_for, settings
):
    """The server's limit, not the request, failed: 503 saying so (the page shows it beside
    the link, see download-progress.js), not a 404 that says the report does not exist."""
    from django.urls import reverse

    audit = audit_with_note(acme, "Looked fine.")
    settings.REPORT_PDF_SECONDS = 0.01
    client = client_for(isla)
    kwargs = {"org": "acme", "pk": audit.pk, "report_format": "pdf"}
    page = client.get(reverse("reports:draft", kwargs=kwargs))
    assert page.status_code == 503 and b"ANNEXA_REPORT_PDF_SECONDS" in page.content
    api = client.get(reverse("reports-api:draft", kwargs=kwargs))
    assert api.status_code == 503 and "ANNEXA_REPORT_PDF_SECONDS" in api.json()["detail"]


def test_the_docx_keeps_line_breaks_and_drops_what_xml_cannot_hold(acme, isla):
    audit = audit_with_note(acme, "First line\r\nsecond \x1b[31mline\x0b & <b>third</b>")
    document = docx.Document(io.BytesIO(render.render(data.build(isla.ctx, audit), "docx")))
    checklist = document.tables[-2]  # the manifest comes last
    assert [c.text for c in checklist.rows[0].cells] == list(CHECKLIST_HEADER)
    assert checklist.rows[1].cells[-1].text == "First line\nsecond [31mline & <b>third</b>"
