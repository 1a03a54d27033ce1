"""The report's tables as rows of plain text, shared by the HTML, Markdown and DOCX renderers.

Each function gives the same cells in the same order whatever the format, so the formats cannot
drift apart; every renderer escapes the text its own way. A finding cites its evidence by the
entry's number in the evidence manifest (``E12``) and a short SHA-256; only the manifest
carries the full hash, so a long audit does not repeat every hash under every finding.
"""

from __future__ import annotations

from annexa.core import print_html
from annexa.core.print_html import SHORT_HASH, entry
from annexa.reports.data import AuditReport, EvidenceRef, FindingRow, Person, SampleRow

FIELD_HEADER = ("Field", "Value")
CHECKLIST_HEADER = ("#", "Requirement or control", "Result", "Notes")
LIMITATION_HEADER = ("Kind", "About", "Limitation")
RECORD_HEADER = ("Position", "Selected record", "Result", "Note")
MANIFEST_HEADER = (
    "No.",
    "Evidence",
    "Version uid",
    "Version",
    "File",
    "Size (bytes)",
    "Collected at",
    "SHA-256",
)
CITATION_NOTE = (
    "Evidence is cited by its entry in Annex 3, the evidence manifest (E-number and the first "
    f"{SHORT_HASH} characters of its SHA-256); the manifest gives the full SHA-256."
)
# The printed report (HTML and PDF) cites a finding's evidence by entry number only: 25 titled
# citations took eight lines of every finding, the numbers take one (``cited_entries``).
ENTRY_NOTE = (
    "Evidence is cited by its entry number in Annex 3, the evidence manifest, which gives each "
    "entry's title, version, file, size, collection date and full SHA-256; E12–E36 stands for "
    "every entry from E12 to E36."
)
GRADE_HEADER = ("Grade", "Findings", "Checklist items")
# Said of evidence collected after the audit's fieldwork ended (``EvidenceRef.after_fieldwork``).
AFTER_FIELDWORK = "received after fieldwork"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_lines(report: AuditReport) -> list[str]:
    """The executive summary's sentences on the checklist, in every format the same."""
    s = report.summary
    total = _plural(s.items_total, "checklist item was", "checklist items were")
    lines = [f"{s.items_assessed} of {total} assessed."]
    if s.items_not_audited:
        lines.append(
            f"{_plural(s.items_not_audited, 'item was', 'items were')} not audited; the audit "
            "limitations say why."
        )
    if s.items_pending:
        lines.append(f"{_plural(s.items_pending, 'item has', 'items have')} no result yet.")
    if s.items_removed:
        lines.append(
            f"{_plural(s.items_removed, 'item was', 'items were')} removed from the checklist."
        )
    if s.unraised:
        listed = ", ".join(f"{r.subject.id} (item {r.order})" for r in s.unraised)
        lines.append(
            f"{_plural(len(s.unraised), 'nonconformity', 'nonconformities')} recorded on the "
            f"checklist (a result, or a sample with more deviations than its rule allows) "
            f"{'has' if len(s.unraised) == 1 else 'have'} no finding yet: {listed}."
        )
    return lines


def grade_rows(report: AuditReport) -> list[tuple[str, str, str]]:
    """Per grade: the findings raised and the checklist items recorded with it."""
    return [(g.label, str(g.count), str(g.items)) for g in report.summary.counts]


def people(persons: list[Person]) -> str:
    return "; ".join(p.label for p in persons) or "—"


def citation(report: AuditReport, ref: EvidenceRef) -> str:
    """``E12 Access review v2 (3f5a0c9e1b27)``: the manifest entry a finding cites."""
    late = AFTER_FIELDWORK if ref.after_fieldwork else ""
    number = report.manifest_numbers[ref.uid]
    return print_html.citation(number, ref.title, ref.version, ref.sha256, late)


def cited_entries(report: AuditReport, evidence: list[EvidenceRef]) -> str:
    """``E12–E36, E40``: the manifest entries cited, by number; those received after fieldwork
    named again after them (``; received after fieldwork: E20``)."""
    numbers = report.manifest_numbers
    cited = print_html.entries(numbers[e.uid] for e in evidence)
    late = [numbers[e.uid] for e in evidence if e.after_fieldwork]
    if late:
        cited += f"; {AFTER_FIELDWORK}: {print_html.entries(late)}"
    return cited


def stored(ref: EvidenceRef) -> str:
    """When the evidence was collected, marked when that was after fieldwork."""
    late = f" ({AFTER_FIELDWORK})" if ref.after_fieldwork else ""
    return f"{ref.stored_at:%Y-%m-%d %H:%M}{late}"


def introduction_fields(report: AuditReport) -> list[tuple[str, str]]:
    a = report.audit
    fieldwork = f"{a.actual_start} to {a.actual_end or '—'}" if a.actual_start else "—"
    return [
        ("Audit", f"{a.reference} — {a.title} ({a.kind_label}, {a.status_label.lower()})"),
        ("Programme", a.programme_title),
        ("Planned dates", f"{a.planned_start} to {a.planned_end}"),
        ("Fieldwork dates", fieldwork),
        ("Lead auditor", a.lead.label if a.lead else "—"),
        ("Audit team", people(a.team)),
        ("Auditees", people(a.auditees)),
        ("Audit criteria", a.criteria),
    ]


def guidance_fields(report: AuditReport, separator: str = "\n") -> list[tuple[str, str]]:
    g = report.guidance
    return [
        ("Intended readers", g.intended_readers),
        ("Distribution list", separator.join(g.distribution) or "Not restricted further."),
        ("Classification", g.classification_label),
        ("Retention period", g.retention),
    ]


def finding_fields(
    report: AuditReport, f: FindingRow, separator: str = "\n", *, by_entry: bool = False
) -> list[tuple[str, str]]:
    """A finding's fields; ``Nature of the gap`` only when one was recorded. ``by_entry`` cites
    the evidence by manifest entry number only (``cited_entries``), for the printed report."""
    fields = [
        ("Against", f"{f.subject.id} {f.subject.title}"),
        ("Requirement", f.requirement_statement or "—"),
        ("Finding", f.statement),
    ]
    if f.nature_label:
        fields.append(("Nature of the gap", f.nature_label))
    fields += [
        ("Status", f.status_label),
        ("Auditees", people(f.auditees)),
        (
            "Objective evidence",
            (
                cited_entries(report, f.evidence)
                if by_entry
                else separator.join(citation(report, e) for e in f.evidence)
            )
            or "—",
        ),
    ]
    return fields


def checklist_rows(report: AuditReport) -> list[tuple[str, str, str, str]]:
    rows = []
    for r in report.checklist:
        notes = r.notes
        if r.removed and r.removal_reason:
            notes = f"{notes}\n{r.removal_reason}" if notes else r.removal_reason
        result = "Removed" if r.removed else r.result_label
        rows.append((str(r.order), f"{r.subject.id} {r.subject.title}", result, notes))
    return rows


def limitation_rows(report: AuditReport) -> list[tuple[str, str, str]]:
    return [(lim.kind.capitalize(), lim.subject, lim.detail) for lim in report.limitations]


def record_rows(sample: SampleRow) -> list[tuple[str, str, str, str]]:
    return [(str(r.index), r.label, r.result_label, r.note) for r in sample.records]


def manifest_rows(report: AuditReport) -> list[tuple[str, ...]]:
    """One row per manifest entry, in the order of ``MANIFEST_HEADER``."""
    return [
        (
            entry(number),
            e.title,
            e.uid,
            str(e.version),
            e.filename,
            str(e.size),
            stored(e),
            e.sha256,
        )
        for number, e in enumerate(report.manifest, start=1)
    ]
