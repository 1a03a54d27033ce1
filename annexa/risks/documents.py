"""The risk assessment report (6.1.2, 8.2) and the risk treatment plan (6.1.3 e, 8.3) as PDF
and DOCX, drawn from the register as it stands.

One data model (``Document``: front matter, then sections of paragraphs and tables) is built
once and written twice: HTML for WeasyPrint (in the time-limited PDF worker of
``annexa.core.pdf``, by the print rules of ``annexa.core.print_html``) and DOCX
(python-docx, with the report's table writer). Every count comes from the same queries as the
pages (``services.reporting``); people are named as "Name <e-mail>".
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from annexa.core import print_html
from annexa.core.pdf import PDFError, render_isolated
from annexa.orgs.choices import Role
from annexa.risks.choices import OPEN_RISK, RiskStatus, TreatmentOption
from annexa.risks.models import Risk, RiskAssessment, TreatmentAction
from annexa.risks.services import methodology as methodologies
from annexa.risks.services import reporting, soa

FORMATS = ("pdf", "docx")
KINDS = {
    "assessment": "Risk assessment report",
    "treatment": "Risk treatment plan",
}


class DocumentError(Exception):
    """The document could not be made; the message says why and what to do."""


@dataclass
class Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    widths: tuple[int, ...]  # percent of the text width, one per column


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Document:
    title: str
    organization: str
    front: list[tuple[str, str]]
    sections: list[Section]


def _person(user) -> str:
    if user is None:
        return "—"
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


def _assessed(methodology, likelihood, impact, score, level) -> str:
    if likelihood is None or impact is None:
        return "not assessed"
    return f"L{likelihood} × I{impact} = {score} ({methodology.label_of(level)})"


def _level(methodology, risk: Risk, which: str) -> str:
    """``L4 × I4 = 16 (High)`` for the risk's ``inherent`` or ``residual`` assessment."""
    return _assessed(
        methodology,
        getattr(risk, f"{which}_likelihood"),
        getattr(risk, f"{which}_impact"),
        getattr(risk, f"{which}_score"),
        getattr(risk, f"{which}_level"),
    )


def _risks(org):
    return list(
        Risk.objects.for_org(org)
        .select_related("owner", "accepted_by", "methodology")
        .prefetch_related("assets", "controls")
        .order_by("number")
    )


def _front(org, title: str, methodology, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        ("Organization", org.name),
        ("Document", title),
        ("Drawn from the register on", f"{timezone.now():%Y-%m-%d %H:%M} UTC"),
        (
            "Methodology",
            f"version {methodology.version} of {methodology.created_at:%Y-%m-%d}, "
            f"acceptance threshold: score above {methodology.acceptance_threshold}",
        ),
        *extra,
    ]


def _methodology_section(m) -> Section:
    scale = Table(
        ("Value", "Likelihood", "Impact"),
        [
            (
                str(n),
                f"{lik['label']}: {lik.get('description', '')}",
                f"{imp['label']}: {imp.get('description', '')}",
            )
            for n, (lik, imp) in enumerate(zip(m.likelihood, m.impact, strict=False), start=1)
        ],
        (8, 46, 46),
    )
    roles = dict(Role.choices)
    bands = Table(
        ("Level", "Scores", "Residual risk accepted by"),
        [
            (
                b["label"],
                f"{b['min']}–{b['max']}",
                ", ".join(str(roles.get(r, r)) for r in b.get("accept_roles", [])) or "nobody",
            )
            for b in m.bands
        ],
        (25, 20, 55),
    )
    matrix = Table(
        ("Likelihood \\ impact", *(str(i) for i in range(1, len(m.impact) + 1))),
        [
            (f"{n} {m.likelihood[n - 1]['label']}", *(str(cell) for cell in row))
            for n, row in reversed(list(enumerate(m.matrix, start=1)))
        ],
        (30, *([70 // len(m.impact)] * len(m.impact))),
    )
    return Section(
        "Methodology",
        [
            "Each risk is rated for likelihood and impact on the scales below; the matrix gives "
            "its score and the bands its level. A residual risk is accepted by its owner when "
            "the owner's role may accept its level; above the threshold only with a recorded "
            f"reason. Risks are reassessed every {m.review_months} months, and when something "
            "changes."
        ],
        [scale, matrix, bands],
    )


def _heat_section(org) -> Section:
    tables = []
    for which in ("inherent", "residual"):
        heat = reporting.heat_map(org, which)
        m = heat.methodology
        tables.append(
            Table(
                (f"{which.capitalize()}: likelihood \\ impact", *(str(i) for i in range(1, 6))),
                [
                    (
                        f"{row[0]['likelihood']} {m.likelihood[row[0]['likelihood'] - 1]['label']}",
                        *(str(cell["count"]) if cell["count"] else "·" for cell in row),
                    )
                    for row in reversed(heat.cells)
                ],
                (30, *([70 // len(heat.cells[0])] * len(heat.cells[0]))),
            )
        )
    return Section(
        "Heat maps",
        [
            "Open risks per likelihood and impact, before treatment (inherent) and after it "
            "(residual); a dot is an empty cell."
        ],
        tables,
    )


def assessment_report(org) -> Document:
    m = methodologies.current(org)
    risks = _risks(org)
    counts = reporting.by_status(org)
    above = reporting.above_threshold(org)
    register = Table(
        ("Risk", "Scenario", "Owner and assets", "Inherent", "Treatment", "Residual", "Status"),
        [
            (
                f"{r.reference} {r.title}",
                " ".join(
                    part
                    for part in (
                        f"Threat: {r.threat}." if r.threat else "",
                        f"Vulnerability: {r.vulnerability}." if r.vulnerability else "",
                        f"Consequence: {r.consequence}." if r.consequence else "",
                    )
                    if part
                )
                or "—",
                f"{_person(r.owner)}; assets: "
                + (", ".join(a.name for a in r.assets.all()) or "none named"),
                _level(m, r, "inherent"),
                r.get_treatment_display() or "not chosen",
                _level(m, r, "residual"),
                r.get_status_display(),
            )
            for r in risks
        ],
        (16, 24, 16, 12, 10, 12, 10),
    )
    assessments = list(
        RiskAssessment.objects.for_org(org)
        .select_related("methodology")
        .prefetch_related("participants")
    )
    runs = Table(
        ("Assessment", "Held", "Trigger", "Participants", "Methodology", "Risks changed"),
        [
            (
                f"{a.reference} {a.title}",
                f"{a.held_on:%Y-%m-%d}",
                a.trigger or "—",
                ", ".join(_person(p) for p in a.participants.all()) or "—",
                f"v{a.methodology.version}",
                "; ".join(f"{c.get('risk')}: {c.get('reason', '')}" for c in a.changes) or "none",
            )
            for a in assessments
        ],
        (20, 10, 15, 20, 10, 25),
    )
    open_count = sum(counts[s] for s in OPEN_RISK)
    return Document(
        KINDS["assessment"],
        org.name,
        _front(
            org,
            KINDS["assessment"],
            m,
            [
                ("Risks", f"{len(risks)} in the register, {open_count} open"),
                (
                    "By status",
                    ", ".join(f"{RiskStatus(s).label}: {n}" for s, n in counts.items() if n)
                    or "none",
                ),
                ("Above the acceptance threshold", str(len(above))),
            ],
        ),
        [
            _methodology_section(m),
            _heat_section(org),
            Section("Risk register", [], [register]),
            Section(
                "Risks above the acceptance threshold",
                [] if above else ["None."],
                [
                    Table(
                        ("Risk", "Owner", "Score", "Accepted"),
                        [
                            (
                                f"{r.reference} {r.title}",
                                _person(r.owner),
                                str(
                                    r.residual_score
                                    if r.residual_score is not None
                                    else r.inherent_score
                                ),
                                _acceptance(r),
                            )
                            for r in above
                        ],
                        (40, 25, 10, 25),
                    )
                ]
                if above
                else [],
            ),
            Section(
                "Assessment runs",
                [] if assessments else ["None recorded."],
                [runs] if assessments else [],
            ),
        ],
    )


def _acceptance(risk: Risk) -> str:
    if not risk.is_accepted:
        return "not accepted"
    reason = risk.acceptance.get("reason")
    return (
        f"by {_person(risk.accepted_by)} on {risk.accepted_at:%Y-%m-%d} "
        f"(methodology v{risk.acceptance.get('methodology')})" + (f": {reason}" if reason else "")
    )


def treatment_plan(org) -> Document:
    m = methodologies.current(org)
    treated = [r for r in _risks(org) if r.treatment and r.status in OPEN_RISK]
    actions = {}
    for action in (
        TreatmentAction.objects.for_org(org)
        .select_related("owner", "control")
        .order_by("due_date", "number")
    ):
        actions.setdefault(action.risk_id, []).append(action)
    proposals, conflicts = soa.proposals_and_conflicts(org)
    undecided = {p.control_id for p in proposals}
    excluded = {c.control_id for c in conflicts}
    today = timezone.localdate()
    sections = []
    for risk in treated:
        controls = [
            c.id
            + (" (SoA: undecided)" if c.id in undecided else "")
            + (" (SoA: excluded!)" if c.id in excluded else "")
            for c in risk.controls.all()
        ]
        rows = [
            (
                a.reference,
                a.title + (f" ({a.control_id})" if a.control_id else ""),
                _person(a.owner),
                f"{a.due_date:%Y-%m-%d}" + (" — overdue" if a.is_overdue(today) else ""),
                a.get_status_display(),
            )
            for a in actions.get(risk.pk, [])
        ]
        sections.append(
            Section(
                f"{risk.reference} {risk.title}",
                [
                    f"Owner: {_person(risk.owner)}. Treatment: {risk.get_treatment_display()}. "
                    f"Inherent: {_level(m, risk, 'inherent')}; "
                    f"residual: {_level(m, risk, 'residual')}.",
                    f"Plan: {risk.treatment_plan or '—'}",
                    f"Annex A controls: {', '.join(controls) or 'none chosen'}.",
                    f"Residual risk: {_acceptance(risk)}.",
                ],
                [
                    Table(
                        ("Action", "What", "Owner", "Due", "Status"),
                        rows,
                        (10, 38, 24, 16, 12),
                    )
                ]
                if rows
                else [],
            )
        )
    overdue = reporting.overdue_actions(org)
    options = {o: sum(1 for r in treated if r.treatment == o) for o in TreatmentOption.values}
    return Document(
        KINDS["treatment"],
        org.name,
        _front(
            org,
            KINDS["treatment"],
            m,
            [
                ("Risks under treatment", str(len(treated))),
                (
                    "By option",
                    ", ".join(f"{TreatmentOption(o).label}: {n}" for o, n in options.items() if n)
                    or "none",
                ),
                ("Treatment actions overdue", str(len(overdue))),
                (
                    "SoA: controls proposed / excluded though chosen",
                    f"{len(proposals)} / {len(conflicts)}",
                ),
            ],
        ),
        sections or [Section("Risks under treatment", ["No open risk has a treatment yet."])],
    )


BUILDERS = {"assessment": assessment_report, "treatment": treatment_plan}


def render(org, kind: str, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of document ``kind`` (``assessment`` or ``treatment``) in ``fmt``."""
    if kind not in BUILDERS:
        raise DocumentError(f"unknown document {kind!r}; use one of {', '.join(BUILDERS)}")
    if fmt not in FORMATS:
        raise DocumentError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    document = BUILDERS[kind](org)
    name = f"{org.slug}-risk-{kind}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "docx":
        return _docx(document), name
    try:
        return render_isolated(
            html(document), what=f"the {document.title.lower()}", alternatives="DOCX"
        ), name
    except PDFError as exc:
        raise DocumentError(str(exc)) from None


def html(document: Document) -> str:
    text = print_html.text
    parts = []
    for section in document.sections:
        parts.append(f"<h2>{text(section.title)}</h2>")
        parts += [f"<p>{text(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            cols = "".join(f'<col style="width:{w}%">' for w in table.widths)
            head = "".join(f"<th>{text(h)}</th>" for h in table.header)
            for chunk in print_html.chunks(table.rows):
                parts.append(
                    f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>"
                    f"{print_html.table_rows(chunk)}</tbody></table>"
                )
    return render_to_string(
        "risks/document.html",
        {
            "document": document,
            "front": print_html.field_rows(document.front),
            "body": print_html.assembled(parts),
        },
    )


def _docx(document: Document) -> bytes:
    from docx import Document as Docx

    from annexa.reports.render.docx import WIDTH_MM
    from annexa.reports.render.docx import _table as table

    doc = Docx()
    doc.core_properties.title = f"{document.title} — {document.organization}"
    doc.add_heading(document.title, level=0)
    table(doc, ("", ""), document.front, (60, WIDTH_MM - 60))
    for section in document.sections:
        doc.add_heading(section.title, level=1)
        for paragraph in section.paragraphs:
            doc.add_paragraph(paragraph)
        for t in section.tables:
            table(doc, t.header, t.rows, [WIDTH_MM * w / 100 for w in t.widths])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
