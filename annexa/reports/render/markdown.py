"""The report as Markdown (CommonMark with pipe tables): ``#`` title, ``##`` per section.

Text users typed is escaped: markup characters get a backslash, so a note holding
``<img src=…>`` stays text when the Markdown is later turned into HTML.
"""

from __future__ import annotations

import re

from annexa.reports.data import AuditReport, EvidenceRef, FindingRow, Person

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!{}])")


def text(value: object) -> str:
    """``value`` as inline Markdown text: markup characters escaped, lines joined."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def block(value: str) -> str:
    """A paragraph of user text: escaped line by line, line breaks kept."""
    lines = [text(line) for line in value.replace("\r\n", "\n").split("\n")]
    return "  \n".join(line for line in lines if line) or "—"


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(text(cell) or " " for cell in row) + " |" for row in rows]
    return [*out, ""]


def _people(people: list[Person]) -> str:
    return "; ".join(p.label for p in people) or "—"


def render_markdown(report: AuditReport) -> str:
    parts = [
        f"# {text(report.title)}",
        "",
        f"{text(report.organization.name)} · {report.guidance.classification_label} · "
        f"{report.version_label} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        *_introduction(report),
        *_summary(report),
        *_guidance(report),
        *_findings(report),
        *_limitations(report),
        *_annexes(report),
    ]
    return "\n".join(parts).rstrip() + "\n"


def _introduction(report: AuditReport) -> list[str]:
    a = report.audit
    fieldwork = f"{a.actual_start} to {a.actual_end or '—'}" if a.actual_start else "—"
    lines = ["## Introduction", ""]
    lines += _table(
        ("Field", "Value"),
        [
            ("Audit", f"{a.reference} — {a.title} ({a.kind_label}, {a.status_label.lower()})"),
            ("Programme", a.programme_title),
            ("Planned dates", f"{a.planned_start} to {a.planned_end}"),
            ("Fieldwork dates", fieldwork),
            ("Lead auditor", a.lead.label if a.lead else "—"),
            ("Audit team", _people(a.team)),
            ("Auditees", _people(a.auditees)),
            ("Audit criteria", a.criteria),
        ],
    )
    lines += ["### Objectives", "", block(a.objectives or "No objectives were recorded."), ""]
    lines += ["### Scope of the ISMS", ""]
    if report.scope is None:
        return [*lines, "The organization has not written a scope statement yet.", ""]
    scope = report.scope
    lines += [f"Scope statement version {scope.version}.", "", block(scope.text), ""]
    if scope.boundaries:
        lines += [block(scope.boundaries), ""]
    if scope.units:
        lines += [f"Units in scope: {text(', '.join(scope.units))}", ""]
    return lines


def _summary(report: AuditReport) -> list[str]:
    s = report.summary
    lines = ["## Executive summary", "", f"**{s.conclusion_label}.** {s.conclusion_text}", ""]
    lines += [f"{s.items_assessed} of {s.items_total} checklist items have a result.", ""]
    lines += _table(("Grade", "Findings"), [(g.label, g.count) for g in s.counts])
    if s.significant:
        lines += ["### Most significant findings", ""]
        lines += [
            f"- **{f.reference}** ({f.grade_label}) — {text(f.subject.id)} "
            f"{text(f.subject.title)}: {text(f.title)}"
            for f in s.significant
        ]
        lines.append("")
    return lines


def _guidance(report: AuditReport) -> list[str]:
    g = report.guidance
    return [
        "## Report guidance",
        "",
        *_table(
            ("Field", "Value"),
            [
                ("Intended readers", g.intended_readers),
                ("Distribution list", "; ".join(g.distribution) or "Not restricted further."),
                ("Classification", g.classification_label),
                ("Retention period", g.retention),
            ],
        ),
    ]


def _evidence_lines(refs: list[EvidenceRef]) -> list[str]:
    return [
        f"  - {text(e.title)} v{e.version} ({text(e.filename)}), SHA-256 `{e.sha256}`" for e in refs
    ] or ["  - —"]


def _finding(f: FindingRow) -> list[str]:
    lines = [
        f"### {f.reference} · {f.grade_label} — {text(f.title)}",
        "",
        f"- **Against:** {text(f.subject.id)} {text(f.subject.title)}",
        f"- **Requirement:** {block(f.requirement_statement or '—')}",
        f"- **Finding:** {block(f.statement)}",
    ]
    if f.nature_label:
        lines.append(f"- **Nature of the gap:** {f.nature_label}")
    lines += [
        f"- **Status:** {f.status_label}",
        f"- **Auditees:** {text(_people(f.auditees))}",
        "- **Objective evidence:**",
        *_evidence_lines(f.evidence),
        "",
    ]
    return lines


def _findings(report: AuditReport) -> list[str]:
    lines = ["## Audit findings", ""]
    for finding in report.findings:
        lines += _finding(finding)
    return lines if report.findings else [*lines, "The audit raised no findings.", ""]


def _limitations(report: AuditReport) -> list[str]:
    lines = ["## Audit limitations", ""]
    if not report.limitations:
        return [*lines, "Nothing limits the conclusions of this audit.", ""]
    rows = [(lim.kind.capitalize(), lim.subject, lim.detail) for lim in report.limitations]
    return lines + _table(("Kind", "About", "Limitation"), rows)


def _annexes(report: AuditReport) -> list[str]:
    lines = ["## Annex 1: Checklist results", ""]
    lines += _table(
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
    lines += ["## Annex 2: Sampling records", ""]
    for s in report.samples:
        lines += [
            f"### Item {s.checklist_order}: {text(s.subject.id)} {text(s.subject.title)}",
            "",
            f"Population of {s.population_size} records ({s.population_source}), SHA-256 "
            f"`{s.population_sha256}`; sample of {s.size} by {s.rule_label.lower()} sampling; "
            f"seed `{text(s.seed)}`. {block(s.rationale)}",
            "",
            *_table(
                ("Position", "Selected record", "Result", "Note"),
                [(r.index, r.label, r.result_label, r.note) for r in s.records],
            ),
        ]
    if not report.samples:
        lines += ["No samples were drawn in this audit.", ""]
    lines += ["## Annex 3: Evidence manifest", ""]
    lines += _table(
        ("Evidence", "Uid", "Version", "File", "Size (bytes)", "Stored at", "SHA-256"),
        [
            (
                e.title,
                e.uid,
                e.version,
                e.filename,
                e.size,
                f"{e.stored_at:%Y-%m-%d %H:%M}",
                e.sha256,
            )
            for e in report.manifest
        ],
    )
    return lines
