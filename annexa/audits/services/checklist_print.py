"""The checklist as a printed document: the HTML that ``checklist_io.export_pdf`` renders.

Written by the rules of the internal audit report (``annexa.core.print_html`` and
``core/print.css``), so a full-scope checklist prints in seconds: each item is a block of
paragraphs (no table per field, lists joined into one paragraph), and evidence is cited
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
LIST_SEPARATOR = "; "
CITATION_NOTE = (
    "The evidence an item examined is cited by its entry number in the evidence manifest at the "
    "end (E12–E16 stands for every entry from E12 to E16), which gives each entry's title, "
    "version, file, size, collection date and full SHA-256; an automated result names the "
    f"version it was judged on with the first {print_html.SHORT_HASH} characters of its SHA-256."
)


@dataclass
class Manifest:
    """The evidence versions the checklist cites, numbered in the order first cited."""

    numbers: dict[int, int] = field(default_factory=dict)  # version pk → entry number
    lines: list[ManifestLine] = field(default_factory=list)

    def cite(self, version) -> str:
        """``E12 Access review v2 (3f5a0c9e1b27)``."""
        number = self.number(version)
        return print_html.citation(number, version.evidence.title, version.number, version.sha256)

    def number(self, version) -> int:
        """The version's entry number, given it when first cited."""
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
        return number


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
            manifest.lines, empty="No evidence is linked to the checklist.", hash_font=False
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
    """One item as a block of paragraphs. Lists are joined into one paragraph ("; "), not a
    line each: WeasyPrint's cost grows with lines and text boxes, not with characters."""
    item = row.item
    open_item = item.result == ChecklistResult.BLANK
    title = f"{number}. {item.subject_id} {subject_title(item)}"
    if item.adhoc:
        title += " (ad-hoc)"
    parts = ['<div class="item">']
    if open_item:
        parts += [f"<h3>{text(title)}</h3>", f'<p class="result">{text(RESULT_BOXES)}</p>']
    else:
        label = text(item.get_result_display())
        result = f'<span class="result result-{text(item.result)}">{label}</span>'
        parts.append(f"<h3>{text(title)} — {result}</h3>")
    if item.questions:  # one paragraph: a question's last line is shared with the next one
        parts.append(
            f"<p>{text(' '.join(f'{n}. {q}' for n, q in enumerate(item.questions, 1)))}</p>"
        )
    examined = {v.pk for v in row.linked}
    listed = [
        ("Documented information expected", LIST_SEPARATOR.join(item.expected_documents)),
        ("Evidence examined", print_html.entries(manifest.number(v) for v in row.linked)),
        (
            "Also on file, not examined" if examined else "Evidence on file",
            _on_file([f for f in row.on_file if f.version_id not in examined]),
        ),
        (
            "Automated test results in the audit period",
            LIST_SEPARATOR.join(_automated(a, manifest, automated) for a in row.automated),
        ),
    ]
    # The documents expected, the evidence examined (a short list of entry numbers), the rest
    # on file and the automated results share a paragraph: a line or two fewer per item.
    parts.append(_in_one([(label, value) for label, value in listed if value]))
    methods = ", ".join(str(AuditMethod(m).label) for m in item.methods if m in AuditMethod.values)
    who = auditees_text(item)
    recorded = [
        ("Methods", methods),
        ("Auditees", who),
        ("What was examined", item.examined),
        ("How it was analysed", item.analysis),
        ("How it was verified", item.verification),
    ]
    if open_item:
        parts += [
            _fields([(label, value)]) if value else _blank(label) for label, value in recorded
        ]
    else:
        # Methods and auditees share a line: short values, one text box fewer; the three
        # fieldwork texts share a paragraph.
        parts.append(_fields([("Methods", f"{methods or '—'}. Auditees: {who or '—'}")]))
        parts.append(_in_one([(label, value or "—") for label, value in recorded[2:]]))
    if item.notes:
        parts.append(_notes(item.notes))
    elif open_item:
        parts.append(_blank("Notes", tall=True))
    parts += [_sample(sample, records) for sample, records in samples]
    parts.append(f'<p class="muted">Item {text(item.uid)} · version {item.version}</p></div>\n')
    return "".join(parts)


def _fields(fields: list[tuple[str, str]]) -> str:
    """Labelled values, the label in the value's text box (see ``print_html.paragraphs``)."""
    return print_html.paragraphs(fields, bold=False)


def _in_one(fields: list[tuple[str, str]]) -> str:
    """Labelled values in one paragraph, each ending as a sentence (nothing when none)."""
    if not fields:
        return ""
    return f"<p>{text(' '.join(f'{label}: {_sentence(value)}' for label, value in fields))}</p>"


def _sentence(value: str) -> str:
    """``value`` ending as a sentence, so the next label reads as a new one."""
    value = value.strip()
    return value if value.endswith((".", "!", "?", "—")) else f"{value}."


def _blank(label: str, *, tall: bool = False) -> str:
    """A field to write in by hand."""
    return f'<p class="{"blank-tall" if tall else "blank"}"><strong>{text(label)}:</strong></p>'


def _notes(notes: str) -> str:
    """The notes as Markdown (CommonMark, raw HTML and images off), labelled on their first
    line rather than on a line of their own."""
    rendered = render_markdown(notes)
    if rendered.startswith("<p>"):
        rendered = "<p>Notes: " + rendered[3:]
    else:
        rendered = "<p>Notes:</p>" + rendered
    return f'<div class="notes">{rendered}</div>'


def _on_file(entries: list[checklist_rows.OnFile]) -> str:
    """``stale: Access review v2; Firewall rules (no version yet) · fresh: …``: grouped by
    freshness, named once a group rather than after every piece (dozens on file per item)."""
    groups: dict[str, list[str]] = {}
    for entry in entries:
        version = f" v{entry.version_number}" if entry.version_number else " (no version yet)"
        freshness = FRESHNESS.get(entry.freshness, entry.freshness)
        groups.setdefault(freshness, []).append(f"{entry.title}{version}")
    return " · ".join(
        f"{freshness}: {LIST_SEPARATOR.join(titles)}" for freshness, titles in groups.items()
    )


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
    """The sample in one paragraph, its records in another (a table would cost a line each)."""
    counted = sampling.summary(sample, records)
    method = sample.get_rule_display()
    if sample.confidence_level is not None:
        method += f", confidence {sample.confidence_level}%"
    if sample.tolerable_deviation_rate is not None:
        method += f", tolerable deviation {sample.tolerable_deviation_rate}%"
    about = (
        f"{sample.get_population_source_display()}; {method}; seed {sample.seed}. "
        f"Rationale: {sample.rationale} Conclusion: {counted.conclusion}"
    )
    listed = LIST_SEPARATOR.join(_record(r) for r in records) or "none selected"
    heading = f"Sample of {sample.computed_size} from {len(sample.population)} records"
    return (
        '<div class="sample">'
        f"<p>{text(heading)}: {text(about)} Population SHA-256 "
        f"{text(sample.population_sha256)}.</p>"
        f"<p>Selected records: {text(listed)}</p>"
        "</div>"
    )


def _record(record) -> str:
    """``#16 CHG-00016: Deviation (approved after the change)``."""
    note = f" ({record.note})" if record.note else ""
    return f"#{record.population_index} {record.label}: {record.get_result_display()}{note}"
