"""User text cannot make a report load anything: escaped in every format, refused by the PDF's
fetcher even if markup got through, and a PDF that takes too long is stopped."""

from __future__ import annotations

import io
import re

import docx
import pytest

from annexa.audits.choices import ChecklistResult
from annexa.audits.models import ChecklistItem
from annexa.audits.tests.factories import make_audit, sample_control
from annexa.reports import data, render
from annexa.reports.render import RenderError
from annexa.reports.render.fetcher import AssetFetcher
from annexa.reports.render.html import render_html
from annexa.reports.render.pdf import render_pdf
from annexa.reports.render.pdf_worker import write_pdf

LOCAL = '<img src="file:///etc/passwd">'
REMOTE = '<img src="http://example.com/x.png">'


@pytest.fixture
def hostile(acme, isla):
    audit = make_audit(acme)
    ChecklistItem.objects.create(
        organization=acme,
        audit=audit,
        order=1,
        control=sample_control(),
        result=ChecklistResult.CONFORMING,
        notes=f"Looked fine. {LOCAL} {REMOTE}",
    )
    return data.build(isla.ctx, audit)


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
