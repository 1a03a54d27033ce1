"""The report as an editable Word document (python-docx): one ``Heading 1`` per section,
real tables for findings, checklist and manifest, so the auditor can edit it before sending.

python-docx writes text runs, never markup, so users' text cannot become anything but text.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from annexa.reports.data import AuditReport, FindingRow, Person

TABLE_STYLE = "Table Grid"


def _people(people: list[Person]) -> str:
    return "; ".join(p.label for p in people) or "—"


def _table(document, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = TABLE_STYLE
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    document.add_paragraph()


def _fields(document, rows: list[tuple[str, object]]) -> None:
    _table(document, ("Field", "Value"), rows)


def render_docx(report: AuditReport) -> bytes:
    document = Document()
    _setup(document, report)
    document.add_heading(report.title, level=0)
    document.add_paragraph(
        f"{report.organization.name} · {report.guidance.classification_label} · "
        f"{report.version_label} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
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
    _fields(
        document,
        [
            ("Audit", f"{a.reference} — {a.title} ({a.kind_label}, {a.status_label.lower()})"),
            ("Programme", a.programme_title),
            ("Planned dates", f"{a.planned_start} to {a.planned_end}"),
            (
                "Fieldwork dates",
                f"{a.actual_start} to {a.actual_end or '—'}" if a.actual_start else "—",
            ),
            ("Lead auditor", a.lead.label if a.lead else "—"),
            ("Audit team", _people(a.team)),
            ("Auditees", _people(a.auditees)),
            ("Audit criteria", a.criteria),
        ],
    )
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
    document.add_paragraph(f"{s.items_assessed} of {s.items_total} checklist items have a result.")
    _table(document, ("Grade", "Findings"), [(g.label, g.count) for g in s.counts])
    if s.significant:
        document.add_heading("Most significant findings", level=2)
        for f in s.significant:
            document.add_paragraph(
                f"{f.reference} ({f.grade_label}) — {f.subject.id} {f.subject.title}: {f.title}",
                style="List Bullet",
            )


def _guidance(document, report: AuditReport) -> None:
    g = report.guidance
    document.add_heading("Report guidance", level=1)
    _fields(
        document,
        [
            ("Intended readers", g.intended_readers),
            ("Distribution list", "\n".join(g.distribution) or "Not restricted further."),
            ("Classification", g.classification_label),
            ("Retention period", g.retention),
        ],
    )


def _finding(document, f: FindingRow) -> None:
    document.add_heading(f"{f.reference} · {f.grade_label} — {f.title}", level=2)
    evidence = "\n".join(
        f"{e.title} v{e.version} ({e.filename}) SHA-256 {e.sha256}" for e in f.evidence
    )
    rows = [
        ("Against", f"{f.subject.id} {f.subject.title}"),
        ("Requirement", f.requirement_statement or "—"),
        ("Finding", f.statement),
        ("Nature of the gap", f.nature_label or "—"),
        ("Status", f.status_label),
        ("Auditees", _people(f.auditees)),
        ("Objective evidence", evidence or "—"),
    ]
    _fields(document, rows)


def _findings(document, report: AuditReport) -> None:
    document.add_heading("Audit findings", level=1)
    if not report.findings:
        document.add_paragraph("The audit raised no findings.")
    for finding in report.findings:
        _finding(document, finding)


def _limitations(document, report: AuditReport) -> None:
    document.add_heading("Audit limitations", level=1)
    if not report.limitations:
        document.add_paragraph("Nothing limits the conclusions of this audit.")
        return
    rows = [(lim.kind.capitalize(), lim.subject, lim.detail) for lim in report.limitations]
    _table(document, ("Kind", "About", "Limitation"), rows)


def _annexes(document, report: AuditReport) -> None:
    document.add_heading("Annex 1: Checklist results", level=1)
    _table(
        document,
        ("#", "Requirement or control", "Result", "Notes"),
        [
            (
                r.order,
                f"{r.subject.id} {r.subject.title}",
                "Removed" if r.removed else r.result_label,
                r.notes,
            )
            for r in report.checklist
        ],
    )
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
        _table(
            document,
            ("Position", "Selected record", "Result", "Note"),
            [(r.index, r.label, r.result_label, r.note) for r in s.records],
        )
    document.add_heading("Annex 3: Evidence manifest", level=1)
    _table(
        document,
        ("Evidence", "Version", "File", "Size (bytes)", "Stored at", "SHA-256"),
        [
            (
                f"{e.title}\n{e.uid}",
                e.version,
                e.filename,
                e.size,
                f"{e.stored_at:%Y-%m-%d %H:%M}",
                e.sha256,
            )
            for e in report.manifest
        ],
    )
