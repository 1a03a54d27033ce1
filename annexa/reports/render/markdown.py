"""The report as Markdown (CommonMark with pipe tables): ``#`` title, ``##`` per section.

Text users typed is escaped: markup characters get a backslash, so a note holding
``<img src=…>`` stays text when the Markdown is later turned into HTML.
"""

from __future__ import annotations

import re

from annexa.reports.data import AuditReport, FindingRow
from annexa.reports.render import rows

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!{}])")


def text(value: object) -> str:
    """``value`` as inline Markdown text: markup characters escaped, lines joined."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def block(value: str) -> str:
    """A paragraph of user text: escaped line by line, line breaks kept."""
    lines = [text(line) for line in value.replace("\r\n", "\n").split("\n")]
    return "  \n".join(line for line in lines if line) or "—"


def _table(header: tuple[str, ...], body: list[tuple[object, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(text(cell) or " " for cell in row) + " |" for row in body]
    return [*out, ""]


def render_markdown(report: AuditReport) -> str:
    parts = [
        f"# {text(report.title)}",
        "",
        f"{text(report.organization.name)} · {report.guidance.classification_label} · "
        f"{report.version_label} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        text(report.approval),
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
    lines = ["## Introduction", ""]
    lines += _table(rows.FIELD_HEADER, rows.introduction_fields(report))
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
    lines += [" ".join(text(line) for line in rows.summary_lines(report)), ""]
    lines += _table(rows.GRADE_HEADER, rows.grade_rows(report))
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
    fields = rows.guidance_fields(report, separator="; ")
    return ["## Report guidance", "", *_table(rows.FIELD_HEADER, fields)]


def _finding(report: AuditReport, f: FindingRow) -> list[str]:
    lines = [f"### {f.reference} · {f.grade_label} — {text(f.title)}", ""]
    lines += [f"- **{label}:** {block(value)}" for label, value in rows.finding_fields(report, f)]
    return [*lines, ""]


def _findings(report: AuditReport) -> list[str]:
    lines = ["## Audit findings", ""]
    if not report.findings:
        return [*lines, "The audit raised no findings.", ""]
    lines += [rows.CITATION_NOTE, ""]
    for finding in report.findings:
        lines += _finding(report, finding)
    return lines


def _limitations(report: AuditReport) -> list[str]:
    lines = ["## Audit limitations", ""]
    if not report.limitations:
        return [*lines, "Nothing limits the conclusions of this audit.", ""]
    return lines + _table(rows.LIMITATION_HEADER, rows.limitation_rows(report))


def _annexes(report: AuditReport) -> list[str]:
    lines = ["## Annex 1: Checklist results", ""]
    lines += _table(rows.CHECKLIST_HEADER, rows.checklist_rows(report))
    lines += ["## Annex 2: Sampling records", ""]
    for s in report.samples:
        lines += [
            f"### Item {s.checklist_order}: {text(s.subject.id)} {text(s.subject.title)}",
            "",
            f"Population of {s.population_size} records ({s.population_source}), SHA-256 "
            f"`{s.population_sha256}`; sample of {s.size} by {s.rule_label.lower()} sampling; "
            f"seed `{text(s.seed)}`. {block(s.rationale)}",
            "",
            *_table(rows.RECORD_HEADER, rows.record_rows(s)),
        ]
    if not report.samples:
        lines += ["No samples were drawn in this audit.", ""]
    lines += ["## Annex 3: Evidence manifest", ""]
    lines += _table(rows.MANIFEST_HEADER, rows.manifest_rows(report))
    return lines
