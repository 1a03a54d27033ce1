"""The report as an editable Word document (python-docx): one ``Heading 1`` per section,
real tables for findings, checklist and manifest, so the auditor can edit it before sending.

Table rows are written straight into the document's XML (``w:tr`` elements built with lxml),
with the column widths and the repeated header row set once per table: python-docx's own
``add_row``/``cell.text`` costs milliseconds per cell, over a minute for a 5,000-entry manifest.
Text is set as element text, never parsed as markup, so users' text cannot become anything but
text; characters XML cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from annexa.reports.data import AuditReport, FindingRow
from annexa.reports.render import rows

TABLE_STYLE = "Table Grid"
WIDTH_MM = 174  # A4 less the 18 mm margins
FIELD_WIDTHS = (45, 129)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _cell(tr, value: object, twips: int, *, bold: bool = False) -> None:
    tc = etree.SubElement(tr, qn("w:tc"))
    tcw = etree.SubElement(etree.SubElement(tc, qn("w:tcPr")), qn("w:tcW"))
    tcw.set(qn("w:w"), str(twips))
    tcw.set(qn("w:type"), "dxa")
    run = etree.SubElement(etree.SubElement(tc, qn("w:p")), qn("w:r"))
    if bold:
        etree.SubElement(etree.SubElement(run, qn("w:rPr")), qn("w:b"))
    text = _NOT_XML.sub("", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n")):
        if number:
            etree.SubElement(run, qn("w:br"))
        t = etree.SubElement(run, qn("w:t"))
        t.set(_SPACE, "preserve")
        t.text = line


def _table(
    document,
    header: Sequence[str],
    body: Sequence[Sequence[object]],
    widths_mm: Sequence[float] | None = None,
) -> None:
    """A table with a bold header row, repeated on every page Word breaks it across."""
    widths = widths_mm or [WIDTH_MM / len(header)] * len(header)
    twips = [int(Mm(w).twips) for w in widths]
    tbl = document.add_table(rows=0, cols=len(header))._tbl
    # The style by its id: python-docx's lookup by name scans every style, each time.
    tbl.tblStyle_val = document.styles[TABLE_STYLE].style_id
    for column, width in zip(tbl.tblGrid.gridCol_lst, twips, strict=True):
        column.set(qn("w:w"), str(width))
    tr = etree.SubElement(tbl, qn("w:tr"))
    etree.SubElement(etree.SubElement(tr, qn("w:trPr")), qn("w:tblHeader"))
    for title, width in zip(header, twips, strict=True):
        _cell(tr, title, width, bold=True)
    for row in body:
        tr = etree.SubElement(tbl, qn("w:tr"))
        for value, width in zip(row, twips, strict=True):
            _cell(tr, value, width)
    document.add_paragraph()


def _fields(document, fields: Sequence[tuple[str, object]]) -> None:
    _table(document, rows.FIELD_HEADER, fields, FIELD_WIDTHS)


def render_docx(report: AuditReport) -> bytes:
    document = Document()
    _setup(document, report)
    document.add_heading(report.title, level=0)
    document.add_paragraph(
        f"{report.organization.name} · {report.guidance.classification_label} · "
        f"{report.version_label} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    document.add_paragraph(report.approval)
    _introduction(document, report)
    _summary(document, report)
    _guidance(document, report)
    _findings(document, report)
    _limitations(document, report)
    _annexes(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _setup(document, report: AuditReport) -> None:
    props = document.core_properties
    props.title = report.title
    props.author = report.organization.name
    props.subject = report.audit.title
    props.keywords = report.guidance.classification_label
    # Fixed from the report's time, so an issued version does not depend on the clock.
    props.created = props.modified = props.last_printed = report.generated_at.replace(tzinfo=None)
    props.revision = report.issue_number or 1
    document.styles["Normal"].font.size = Pt(10)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.header.paragraphs[
        0
    ].text = f"{report.audit.reference} · {report.guidance.classification_label}"


def _introduction(document, report: AuditReport) -> None:
    a = report.audit
    document.add_heading("Introduction", level=1)
    _fields(document, rows.introduction_fields(report))
    document.add_heading("Objectives", level=2)
    document.add_paragraph(a.objectives or "No objectives were recorded for this audit.")
    document.add_heading("Scope of the ISMS", level=2)
    if report.scope is None:
        document.add_paragraph("The organization has not written a scope statement yet.")
        return
    document.add_paragraph(f"Scope statement version {report.scope.version}.")
    document.add_paragraph(report.scope.text)
    if report.scope.boundaries:
        document.add_paragraph(report.scope.boundaries)
    if report.scope.units:
        document.add_paragraph("Units in scope: " + ", ".join(report.scope.units))


def _summary(document, report: AuditReport) -> None:
    s = report.summary
    document.add_heading("Executive summary", level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{s.conclusion_label}. ").bold = True
    paragraph.add_run(s.conclusion_text)
    document.add_paragraph(" ".join(rows.summary_lines(report)))
    _table(document, rows.GRADE_HEADER, rows.grade_rows(report), (94, 40, 40))
    if s.significant:
        document.add_heading("Most significant findings", level=2)
        for f in s.significant:
            document.add_paragraph(
                f"{f.reference} ({f.grade_label}) — {f.subject.id} {f.subject.title}: {f.title}",
                style="List Bullet",
            )


def _guidance(document, report: AuditReport) -> None:
    document.add_heading("Report guidance", level=1)
    _fields(document, rows.guidance_fields(report))


def _finding(document, report: AuditReport, f: FindingRow) -> None:
    document.add_heading(f"{f.reference} · {f.grade_label} — {f.title}", level=2)
    _fields(document, rows.finding_fields(report, f))


def _findings(document, report: AuditReport) -> None:
    document.add_heading("Audit findings", level=1)
    if not report.findings:
        document.add_paragraph("The audit raised no findings.")
        return
    document.add_paragraph(rows.CITATION_NOTE)
    for finding in report.findings:
        _finding(document, report, finding)


def _limitations(document, report: AuditReport) -> None:
    document.add_heading("Audit limitations", level=1)
    if not report.limitations:
        document.add_paragraph("Nothing limits the conclusions of this audit.")
        return
    _table(document, rows.LIMITATION_HEADER, rows.limitation_rows(report), (28, 50, 96))


def _annexes(document, report: AuditReport) -> None:
    document.add_heading("Annex 1: Checklist results", level=1)
    _table(document, rows.CHECKLIST_HEADER, rows.checklist_rows(report), (12, 70, 28, 64))
    document.add_heading("Annex 2: Sampling records", level=1)
    if not report.samples:
        document.add_paragraph("No samples were drawn in this audit.")
    for s in report.samples:
        document.add_heading(f"Item {s.checklist_order}: {s.subject.id} {s.subject.title}", 2)
        document.add_paragraph(
            f"Population of {s.population_size} records ({s.population_source}), SHA-256 "
            f"{s.population_sha256}; sample of {s.size} by {s.rule_label.lower()} sampling; "
            f"seed {s.seed}. {s.rationale}"
        )
        _table(document, rows.RECORD_HEADER, rows.record_rows(s), (20, 66, 28, 60))
    document.add_heading("Annex 3: Evidence manifest", level=1)
    # The evidence and its version uid share a cell, so the SHA-256 column has room.
    header = ("No.", "Evidence (version uid)", *rows.MANIFEST_HEADER[3:])
    body = [(n, f"{title}\n{uid}", *rest) for n, title, uid, *rest in rows.manifest_rows(report)]
    _table(document, header, body, (12, 40, 13, 27, 17, 20, 45))
