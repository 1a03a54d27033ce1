"""The checklist as a printed document: the HTML that ``checklist_io.export_pdf`` renders.

Written by the rules of the internal audit report (``annexa.core.print_html`` and
``core/print.css``), so a full-scope checklist prints in seconds: each item is a block of
paragraphs (no table per field), sample records are fixed-layout tables, and evidence is cited
by its entry in the evidence manifest and a short SHA-256 (``E12 Access review v2
(3f5a0c9e1b27)``), the manifest at the end giving each version once with its full SHA-256.
The long parts are written here, not by template loops; every typed text is escaped, and
notes are Markdown without raw HTML or images (nothing is fetched while printing).

Everything an item holds is printed: the questions, the documented information expected, the
evidence on file, the automated results in the audit's period, the evidence examined, the
result, methods, what was examined, analysed and verified, the auditees, the notes, every
sample with its records, and the removed items with their reasons. An item without a result
prints its empty fields as lines to write on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from annexa.audits.choices import AuditMethod, ChecklistResult
from annexa.audits.models import Audit, Sample
from annexa.audits.services import checklist_rows, sampling
from annexa.audits.services.checklist_io import auditees_text, subject_title
from annexa.audits.templatetags.checklist import render_markdown
from annexa.core import print_html
from annexa.core.print_html import ManifestLine, text

RESULT_BOXES = "☐ Conforming ☐ Minor NC ☐ Major NC ☐ Observation ☐ OFI ☐ Not audited"
FRESHNESS = {"stale": "stale", "fresh": "fresh", "no_expiry": "no expiry"}
RECORD_HEADER = ("Position", "Selected record", "Result", "Note")
RECORD_WIDTHS = (12, 40, 18, 30)
CITATION_NOTE = (
    "Evidence is cited by its entry in the evidence manifest at the end (E-number and the first "
    f"{print_html.SHORT_HASH} characters of its SHA-256); the manifest gives the full SHA-256."
)


@dataclass
class Manifest:
    """The evidence versions the checklist cites, numbered in the order first cited."""

    numbers: dict[int, int] = field(default_factory=dict)  # version pk → entry number
    lines: list[ManifestLine] = field(default_factory=list)

    def cite(self, version) -> str:
        number = self.numbers.get(version.pk)
        if number is None:
            self.lines.append(
                ManifestLine(
                    f"{version.evidence.title} v{version.number} · {version.filename} · "
                    f"{version.size:,} bytes · collected {version.collected_at:%Y-%m-%d %H:%M} UTC",
                    version.sha256,
                )
            )
            number = self.numbers[version.pk] = len(self.lines)
        return print_html.citation(number, version.evidence.title, version.number, version.sha256)


def html(audit: Audit) -> str:
    """The whole printed checklist of ``audit`` as one self-contained HTML page."""
    items = list(checklist_rows.items_of(audit).prefetch_related("auditees"))
    rows = checklist_rows.rows(audit, items, with_linked=True)
    samples = _samples(audit)
    automated = _automated_versions(rows)
    manifest = Manifest()
    active = [r for r in rows if not r.item.removed]
    blocks = [
        _item(n, row, manifest, samples.get(row.item.pk, []), automated)
        for n, row in enumerate(active, start=1)
    ]
    removed = [
        (f"{r.item.subject_id} {subject_title(r.item)}", r.item.removal_reason or "—")
        for r in rows
        if r.item.removed
    ]
    context = {
        "audit": audit,
        "header": print_html.field_rows(_header_fields(audit)),
        "citation_note": CITATION_NOTE,
        "items": print_html.assembled(blocks),
        "removed": print_html.paragraphs(removed),
        "manifest": print_html.manifest(
            manifest.lines, empty="No evidence is linked to the checklist."
        ),
    }
    return render_to_string("audits/checklist/print.html", context)


def _header_fields(audit: Audit) -> list[tuple[str, str]]:
    progress = checklist_rows.progress(audit)
    return [
        ("Organization", audit.organization.name),
        ("Status", audit.get_status_display()),
        ("Planned", f"{audit.planned_start:%Y-%m-%d} to {audit.planned_end:%Y-%m-%d}"),
        ("Progress", f"{progress.assessed} of {progress.total} items assessed"),
        ("Criteria", audit.criteria or "—"),
        ("Printed", f"{timezone.now():%Y-%m-%d %H:%M} UTC"),
    ]


def _samples(audit: Audit) -> dict[int, list[tuple[Sample, list]]]:
    """By item pk, the item's samples with their records, in two queries."""
    found: dict[int, list[tuple[Sample, list]]] = {}
    for sample in (
        Sample.objects.filter(item__audit=audit)
        .prefetch_related("records")
        .order_by("item_id", "created_at", "id")
    ):
        found.setdefault(sample.item_id, []).append((sample, list(sample.records.all())))
    return found


def _automated_versions(rows: Iterable[checklist_rows.Row]) -> dict[tuple[int, int], object]:
    """The evidence versions automated results were judged on, by (evidence id, number)."""
    from django.db.models import Q

    from annexa.evidence.models import EvidenceVersion

    wanted = {
        (a["evidence_id"], a["evidence_version"])
        for r in rows
        for a in r.automated
        if a.get("evidence_id") and a.get("evidence_version")
    }
    if not wanted:
        return {}
    match = Q()
    for evidence_id, number in wanted:
        match |= Q(evidence_id=evidence_id, number=number)
    versions = EvidenceVersion.objects.filter(match).select_related("evidence")
    return {(v.evidence_id, v.number): v for v in versions}


def _item(number: int, row, manifest: Manifest, samples: list, automated: dict) -> str:
    item = row.item
    open_item = item.result == ChecklistResult.BLANK
    title = f"{number}. {item.subject_id} {subject_title(item)}"
    if item.adhoc:
        title += " (ad-hoc)"
    result = item.get_result_display() if not open_item else RESULT_BOXES
    parts = [
        '<div class="item">',
        f"<h3>{text(title)}</h3>",
        f'<p class="result result-{text(item.result or "open")}">Result: {text(result)}</p>',
    ]
    parts += [f'<p class="question">{n}. {text(q)}</p>' for n, q in enumerate(item.questions, 1)]
    listed = [
        ("Documented information expected", "\n".join(item.expected_documents)),
        ("Evidence on file", "\n".join(_on_file(f) for f in row.on_file)),
        (
            "Automated test results in the audit period",
            "\n".join(_automated(a, manifest, automated) for a in row.automated),
        ),
        ("Evidence examined", "\n".join(manifest.cite(v) for v in row.linked)),
    ]
    parts.append(print_html.paragraphs([(label, value) for label, value in listed if value]))
    methods = ", ".join(str(AuditMethod(m).label) for m in item.methods if m in AuditMethod.values)
    recorded = [
        ("Methods", methods),
        ("What was examined", item.examined),
        ("How it was analysed", item.analysis),
        ("How it was verified", item.verification),
        ("Auditees", auditees_text(item)),
    ]
    for label, value in recorded:
        if value:
            parts.append(print_html.paragraphs([(label, value)]))
        elif open_item:
            parts.append(f'<p class="blank"><strong>{text(label)}:</strong></p>')
        else:
            parts.append(print_html.paragraphs([(label, "—")]))
    if item.notes:
        notes = render_markdown(item.notes)  # CommonMark, raw HTML and images off
        parts.append(f'<div class="notes"><strong>Notes:</strong>{notes}</div>')
    elif open_item:
        parts.append('<p class="blank-tall"><strong>Notes:</strong></p>')
    for sample, records in samples:
        parts.append(_sample(sample, records))
    parts.append(f'<p class="muted">Item {text(item.uid)} · version {item.version}</p></div>\n')
    return "".join(parts)


def _on_file(entry: checklist_rows.OnFile) -> str:
    version = f" v{entry.version_number}" if entry.version_number else " (no version yet)"
    return f"{entry.title}{version} ({FRESHNESS.get(entry.freshness, entry.freshness)})"


def _automated(result: dict, manifest: Manifest, versions: dict) -> str:
    when = result["observed_at"][:16].replace("T", " ")
    line = f"{result['test_id']} on {result['system']}: {result['status']} ({when})"
    if result.get("reason"):
        line += f" — {result['reason']}"
    version = versions.get((result.get("evidence_id"), result.get("evidence_version")))
    if version is not None:
        line += f" — judged on {manifest.cite(version)}"
    elif result.get("sha256"):
        line += f" — judged on evidence v{result.get('evidence_version')}, {result['sha256']}"
    return line


def _sample(sample: Sample, records: list) -> str:
    counted = sampling.summary(sample, records)
    method = sample.get_rule_display()
    if sample.confidence_level is not None:
        method += f", confidence {sample.confidence_level}%"
    if sample.tolerable_deviation_rate is not None:
        method += f", tolerable deviation {sample.tolerable_deviation_rate}%"
    fields = [
        (
            f"Sample of {sample.computed_size} from {len(sample.population)} records",
            f"{sample.get_population_source_display()}; {method}; seed {sample.seed}",
        ),
        ("Rationale", sample.rationale),
        ("Conclusion", counted.conclusion),
    ]
    rows = [(str(r.population_index), r.label, r.get_result_display(), r.note) for r in records]
    return (
        '<div class="sample">'
        + print_html.paragraphs(fields)
        + "<p><strong>Population SHA-256:</strong> "
        + f'<span class="hash">{text(sample.population_sha256)}</span></p>'
        + print_html.table(RECORD_HEADER, RECORD_WIDTHS, rows)
        + "</div>"
    )
