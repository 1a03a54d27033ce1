"""The minutes of a management review as PDF (WeasyPrint, from an HTML template) and DOCX
(python-docx): header, every input with its data, the decisions, the conclusion, the sign-off.

A signed-off review's minutes are the bytes stored as evidence at sign-off (their hashes are
in the ledger); a review not yet signed off is rendered afresh each time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from annexa.reviews.models import ManagementReview

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {"pdf": PDF, "docx": DOCX}
FORMATS = tuple(MEDIA_TYPES)


class MinutesError(Exception):
    """The minutes cannot be produced as asked; the message says why."""


@dataclass(frozen=True)
class InputView:
    """One input as the minutes show it."""

    heading: str
    summary: str
    notes: str
    assembled: dict


def _people(users) -> list[str]:
    return [str(u) if str(u) == u.email else f"{u} ({u.email})" for u in users]


def context(review: ManagementReview) -> dict:
    """What both formats show, in order."""
    inputs = review.inputs.select_related("requirement").order_by("requirement__sort_key")
    return {
        "review": review,
        "org": review.organization,
        "attendees": _people(review.attendees.order_by("email")),
        "external": review.external_list(),
        "inputs": [
            InputView(
                heading=f"{i.requirement_id} {i.requirement.title}",
                summary=i.summary,
                notes=i.notes,
                assembled=i.assembled or {},
            )
            for i in inputs
        ],
        "decisions": list(review.decisions.select_related("owner", "action").order_by("number")),
        "generated_at": timezone.now(),
    }


def render_pdf(review: ManagementReview) -> bytes:
    """The minutes for printing, rendered by the PDF worker process (``annexa.core.pdf``):
    stopped after ANNEXA_REPORT_PDF_SECONDS (``MinutesError``), loading no URL."""
    from annexa.core.pdf import PDFError, render_isolated

    html = render_to_string(
        "reviews/minutes.html",
        {**context(review), "css": render_to_string("reviews/minutes.css")},
    )
    try:
        return render_isolated(
            html, what=f"the minutes PDF of {review.reference}", alternatives="the DOCX minutes"
        )
    except PDFError as exc:
        raise MinutesError(str(exc)) from None


def render_docx(review: ManagementReview) -> bytes:
    """The minutes as an editable Word document: a heading per input, a decisions table."""
    from docx import Document

    data = context(review)
    doc = Document()
    doc.core_properties.title = f"{review.reference} management review minutes"
    doc.add_heading(f"Management review minutes — {review.reference} {review.title}", level=0)
    for label, value in _header_rows(review, data):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    doc.add_heading("Inputs (clause 9.3.2)", level=1)
    for item in data["inputs"]:
        _docx_input(doc, item)
    doc.add_heading("Decisions (clause 9.3.3)", level=1)
    rows = [
        [
            str(d.number),
            d.get_kind_display(),
            d.text,
            str(d.owner or "—"),
            _day(d.due_date),
            _ref(d),
        ]
        for d in data["decisions"]
    ]
    _docx_table(doc, ["No.", "Kind", "Decision", "Owner", "Due", "Tracked as"], rows)
    doc.add_heading("Conclusion", level=1)
    doc.add_paragraph(review.conclusion or "—")
    doc.add_heading("Sign-off", level=1)
    doc.add_paragraph(_signoff_text(review))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_input(doc, item: InputView) -> None:
    assembled = item.assembled
    doc.add_heading(item.heading, level=2)
    doc.add_paragraph(item.summary or "—")
    if assembled.get("manual") and assembled.get("note"):
        doc.add_paragraph().add_run(assembled["note"]).italic = True
    figures = assembled.get("figures") or []
    if figures:
        _docx_table(doc, ["Figure", "Value"], [[str(k), str(v)] for k, v in figures])
    for table in assembled.get("tables") or []:
        doc.add_paragraph(table["title"]).runs[0].bold = True
        _docx_table(doc, table["columns"], [[str(v) for v in r] for r in table["rows"]])
    if item.notes:
        paragraph = doc.add_paragraph()
        paragraph.add_run("Discussion: ").bold = True
        paragraph.add_run(item.notes)
    if assembled.get("source"):
        doc.add_paragraph(f"Source: {assembled['source']}").runs[0].italic = True


def _docx_table(doc, columns: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _day(value) -> str:
    return value.isoformat() if value else "—"


def _ref(decision) -> str:
    return decision.action.reference if decision.action_id else "—"


def _signoff_text(review: ManagementReview) -> str:
    if not review.is_signed_off:
        return f"Not signed off yet ({review.get_status_display().lower()})."
    moment = timezone.localtime(review.signed_off_at)
    signer = review.signed_off_by
    return f"Signed off by {signer} ({signer.email}) on {moment:%Y-%m-%d %H:%M}."


def _header_rows(review: ManagementReview, data: dict) -> list[tuple[str, str]]:
    return [
        ("Organization", review.organization.name),
        ("Planned", _day(review.planned_date)),
        ("Held on", _day(review.held_on)),
        ("Chair", str(review.chair or "—")),
        ("Attendees", ", ".join(data["attendees"]) or "—"),
        ("Other attendees", ", ".join(data["external"]) or "—"),
        ("Status", review.get_status_display()),
    ]


RENDERERS = {"pdf": render_pdf, "docx": render_docx}


def filename(review: ManagementReview, fmt: str) -> str:
    return f"{review.reference}-minutes.{fmt}"


def render(review: ManagementReview, fmt: str) -> tuple[bytes, str, str]:
    """Fresh minutes: (bytes, media type, file name)."""
    if fmt not in RENDERERS:
        raise MinutesError(f"unknown minutes format {fmt!r}: use pdf or docx")
    return RENDERERS[fmt](review), MEDIA_TYPES[fmt], filename(review, fmt)


def download(review: ManagementReview, fmt: str) -> tuple[bytes, str, str]:
    """The minutes to hand out: the stored, signed-off bytes when there are any."""
    from annexa.evidence.services import open_version

    if fmt not in RENDERERS:
        raise MinutesError(f"unknown minutes format {fmt!r}: use pdf or docx")
    stored = {"pdf": review.minutes_pdf, "docx": review.minutes_docx}[fmt]
    if stored is None:
        return render(review, fmt)
    with open_version(stored) as handle:
        return handle.read(), MEDIA_TYPES[fmt], filename(review, fmt)
