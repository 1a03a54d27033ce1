"""The internal audit report as OSCAL assessment results (JSON, OSCAL 1.1.2 like the POA&M).

``assessment_results(report)`` reads only the report tree of ``annexa.reports.data`` and
returns the document's bytes. It holds:

- ``metadata``: the report's title, ``last-modified`` from the report's generation time (the
  issue time of an issued report, which is also ``published``), the version (the issue number,
  or ``draft`` with the generation time), the classification as OSCAL's ``marking`` property,
  the organization and the people as parties and what each did (``responsible-parties``).
- ``import-ap``: ``#uuid`` of the back-matter resource that describes the audit, which is the
  assessment plan (Annexa keeps no separate OSCAL plan).
- one ``result`` for the audit: start and end from the audit's dates (actual, else planned;
  the end only once the audit has ended), the conclusion on conformity, the limitations as
  remarks, the ISMS as the one component every observation is about, and:

  - ``reviewed-controls``: what the audit examined (checklist items with a result other than
    "not audited", and the subject of every finding), falling back to the planned checklist
    while nothing has a result yet;
  - ``observations``: one per examined checklist item (methods, what was examined, the
    evidence), and one per finding whose evidence the item does not already carry, or that
    was raised without a checklist item;
  - ``findings``: one per finding of the report, targeted at its control or requirement,
    ``not-satisfied`` for nonconformities and ``satisfied`` for observations and
    opportunities for improvement, linked to the observations that support it.

- ``back-matter``: the audit (see ``import-ap``) and every evidence version the report cites
  (its ``rlinks`` entry carries the SHA-256). An observation's ``relevant-evidence`` points
  at the resource (``#uuid``) and repeats the SHA-256 and collection time as properties.

No risks: the POA&M carries them, with the corrective actions that treat them.

Control identifiers (``control_id``). OSCAL ids are tokens, and catalogs write them in lower
case: an Annex A control keeps its number in lower case (``A.5.1`` → ``a.5.1``); a clause
requirement is prefixed with ``clause-`` (``9.2`` → ``clause-9.2``). A lettered item of a
clause is a statement of its numbered sub-clause: ``6.1.2.c`` is selected as control
``clause-6.1.2`` with statement ``clause-6.1.2.c``, and a finding against it targets the
``statement-id`` ``clause-6.1.2.c``; every other finding targets the ``objective-id`` of its
control or requirement.

Identifiers are UUID v5 derived from the objects' own uids with the POA&M's helper, so a
finding, its observation and an evidence version have the same uuid here as in the POA&M and
from one report to the next. Properties of our own carry the namespace ``NS``. The output is
deterministic: sorted keys, and no time but those of the report and its data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from annexa.actions.poam import METHODS, OSCAL_VERSION, _clean, stable_uuid, target_id, timestamp
from annexa.findings.choices import NONCONFORMITIES
from annexa.reports import data
from annexa.reports.data import AuditReport, ChecklistRow, EvidenceRef, FindingRow, Person, Subject

MEDIA_TYPE = "application/json"
# The namespace of the properties Annexa defines (OSCAL's own names need none).
NS = "urn:annexa:oscal"
UNEXAMINED = data.UNEXAMINED
ROLES = [
    {"id": "prepared-for", "title": "Organization whose ISMS was audited"},
    {"id": "lead-auditor", "title": "Lead auditor"},
    {"id": "assessor", "title": "Member of the audit team"},
    {"id": "auditee", "title": "Person audited or interviewed"},
]


class OscalError(ValueError):
    """The report cannot be written as OSCAL assessment results; the message says why."""


def assessment_results(report: AuditReport) -> bytes:
    """The report as an OSCAL assessment-results JSON document (UTF-8, sorted keys)."""
    document = _Document(report).build()
    return (json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()


def control_id(subject_id: str) -> str:
    """The OSCAL id of an Annex A control (``A.5.1`` → ``a.5.1``) or a clause requirement
    (``9.2`` → ``clause-9.2``)."""
    return target_id(subject_id).lower()


def selection(subject: Subject) -> tuple[str, str | None]:
    """The OSCAL control id of ``subject``, and its statement id when it is a lettered item
    of a clause (``6.1.2.c`` → ``clause-6.1.2``, ``clause-6.1.2.c``)."""
    if subject.kind == "control":
        return control_id(subject.id), None
    parts = subject.id.split(".")
    numbered = list(itertools.takewhile(str.isdigit, parts))
    if not numbered or len(numbered) == len(parts):
        return control_id(subject.id), None
    return control_id(".".join(numbered)), control_id(subject.id)


def _line(text: object, fallback: str = "") -> str:
    """One line without leading or trailing space: OSCAL titles, names and values."""
    return " ".join(str(text).split()) or fallback


def _prop(name: str, value: object) -> dict[str, str] | None:
    value = _line(value)
    return {"name": name, "ns": NS, "value": value} if value else None


def _props(*props: dict[str, str] | None) -> list[dict[str, str]] | None:
    return [p for p in props if p is not None] or None


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def _examined(row: ChecklistRow) -> bool:
    return not row.removed and row.result not in UNEXAMINED


class _Document:
    """Collects the parts of one document; every method returns OSCAL JSON fragments."""

    def __init__(self, report: AuditReport) -> None:
        self.report = report
        self.org_uid = report.organization.uid
        self.org_party = stable_uuid("party", self.org_uid)
        self.parties: dict[str, dict[str, Any]] = {}
        self.resources = {stable_uuid("resource", ref.uid): ref for ref in report.manifest}
        audit = report.audit
        self.start = timestamp(audit.actual_start or audit.planned_start)
        self.component = stable_uuid("component", self.org_uid, "isms")
        self.plan = stable_uuid("assessment-plan", audit.uid)
        team = [(p, "lead-auditor" if p == audit.lead else "assessor") for p in audit.team]
        if audit.lead is not None and audit.lead not in audit.team:
            team.insert(0, (audit.lead, "lead-auditor"))
        self.team = team

    def build(self) -> dict[str, Any]:
        report = self.report
        result = self.result()
        metadata = self.metadata()  # after the result: it lists the parties the result named
        return {
            "assessment-results": {
                "uuid": stable_uuid("assessment-results", report.audit.uid),
                "metadata": metadata,
                "import-ap": {
                    "href": f"#{self.plan}",
                    "remarks": f"The plan is audit {report.audit.reference} itself, described "
                    "in the back matter.",
                },
                "results": [result],
                "back-matter": {
                    "resources": [self.plan_resource()]
                    + [self.resource(uid, ref) for uid, ref in self.resources.items()]
                },
            }
        }

    # --- people -------------------------------------------------------------------------------

    def party(self, person: Person) -> str:
        party_uuid = stable_uuid("party", self.org_uid, person.email)
        self.parties.setdefault(
            party_uuid,
            {
                "uuid": party_uuid,
                "type": "person",
                "name": _line(person.name, person.email),
                "member-of-organizations": [self.org_party],
            },
        )
        return party_uuid

    def origins(self) -> list[dict[str, Any]] | None:
        actors = [
            {"type": "party", "actor-uuid": self.party(person), "role-id": role}
            for person, role in self.team
        ]
        return [{"actors": actors}] if actors else None

    def metadata(self) -> dict[str, Any]:
        report, audit = self.report, self.report.audit
        generated = timestamp(report.generated_at)
        named = {
            "prepared-for": [self.org_party],
            "lead-auditor": [self.party(p) for p, role in self.team if role == "lead-auditor"],
            "assessor": [self.party(p) for p, _role in self.team],
            "auditee": [self.party(p) for p in audit.auditees],
        }
        organization = {
            "uuid": self.org_party,
            "type": "organization",
            "name": _line(report.organization.name, report.organization.slug),
        }
        return _clean(
            {
                "title": _line(f"{report.title}: {audit.title}"),
                "published": generated if report.issue_number else None,
                "last-modified": generated,
                "version": str(report.issue_number)
                if report.issue_number
                else f"draft {generated}",
                "oscal-version": OSCAL_VERSION,
                "props": [{"name": "marking", "value": _line(report.guidance.classification)}]
                if _line(report.guidance.classification)
                else None,
                "roles": ROLES,
                "parties": [organization, *sorted(self.parties.values(), key=lambda p: p["uuid"])],
                "responsible-parties": [
                    {"role-id": role, "party-uuids": list(dict.fromkeys(uuids))}
                    for role, uuids in named.items()
                    if uuids
                ],
                "remarks": f"{report.version_label} of the internal audit report of "
                f"{audit.reference}, generated by Annexa"
                + (f" for {report.generated_by}." if report.generated_by else "."),
            }
        )

    # --- the result ---------------------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        report, audit = self.report, self.report.audit
        summary = report.summary
        examined = [r for r in report.checklist if _examined(r)]
        observations = [self.item_observation(row) for row in examined]
        rows: dict[tuple[int, str], ChecklistRow] = {}
        for row in examined:
            rows.setdefault((row.order, row.subject.id), row)
        findings = []
        for finding in report.findings:
            row = rows.get((finding.checklist_order, finding.subject.id))
            related = [stable_uuid("observation", row.uid)] if row else []
            own = {ref.uid for ref in row.evidence} if row else set()
            if row is None or any(ref.uid not in own for ref in finding.evidence):
                observations.append(self.finding_observation(finding, row))
                related.append(stable_uuid("observation", finding.uid))
            findings.append(self.finding(finding, related))
        description = f"{summary.conclusion_label}. {summary.conclusion_text}"
        if audit.objectives.strip():
            description += f"\n\nObjectives: {audit.objectives.strip()}"
        if audit.criteria.strip():
            description += f"\n\nCriteria: {audit.criteria.strip()}"
        return _clean(
            {
                "uuid": stable_uuid("result", audit.uid),
                "title": _line(f"{audit.reference} {audit.title}"),
                "description": description,
                "start": self.start,
                "end": timestamp(_end_of(audit.actual_end)) if audit.actual_end else None,
                "props": _props(
                    _prop("audit-reference", audit.reference),
                    _prop("conclusion", summary.conclusion),
                    _prop("items-assessed", f"{summary.items_assessed} of {summary.items_total}"),
                    _prop("items-not-audited", summary.items_not_audited),
                    _prop("items-without-result", summary.items_pending),
                ),
                "local-definitions": {"components": [self.isms()]},
                "reviewed-controls": self.reviewed_controls(),
                "observations": observations,
                "findings": findings,
                "remarks": "\n".join(
                    f"- {limit.kind.capitalize()}: {limit.subject}: {limit.detail}"
                    for limit in report.limitations
                ),
            }
        )

    def isms(self) -> dict[str, Any]:
        scope = self.report.scope
        text = "The scope statement has not been recorded yet."
        if scope is not None:
            text = "\n\n".join(t for t in (scope.text.strip(), scope.boundaries.strip()) if t)
        return _clean(
            {
                "uuid": self.component,
                "type": "this-system",
                "title": _line(f"{self.report.organization.name} information security management"),
                "description": text or "The scope statement is empty.",
                "props": _props(_prop("scope-version", scope.version if scope else "")),
                "status": {"state": "operational"},
            }
        )

    def subject(self, subject: Subject) -> dict[str, Any]:
        return {
            "subject-uuid": self.component,
            "type": "component",
            "title": _line(f"{subject.id} {subject.title}"),
        }

    def reviewed_controls(self) -> dict[str, Any]:
        report = self.report
        examined = [r for r in report.checklist if _examined(r)]
        planned = [r for r in report.checklist if not r.removed]
        subjects = [r.subject for r in examined] + [f.subject for f in report.findings]
        described = (
            f"Annex A controls and clause requirements examined in {report.audit.reference}."
        )
        if not subjects:
            subjects = [r.subject for r in planned]
            described = f"No checklist item of {report.audit.reference} has a result yet: the "
            described += "controls and requirements it plans to examine."
        if not subjects:
            raise OscalError(
                f"Audit {report.audit.reference} has no checklist yet, so there is nothing to "
                "report as OSCAL assessment results: generate its checklist first."
            )
        selected: dict[str, list[str] | None] = {}
        for subject in subjects:
            control, statement = selection(subject)
            if statement is None:
                selected[control] = None
            elif control not in selected:
                selected[control] = [statement]
            elif selected[control] is not None and statement not in selected[control]:
                selected[control].append(statement)
        skipped = [r.subject.id for r in planned if r.result in UNEXAMINED and examined]
        return _clean(
            {
                "control-selections": [
                    {
                        "description": described,
                        "include-controls": [
                            _clean({"control-id": control, "statement-ids": statements})
                            for control, statements in selected.items()
                        ],
                    }
                ],
                "remarks": f"In the checklist but not examined: {', '.join(skipped)}."
                if skipped
                else None,
            }
        )

    # --- observations and findings --------------------------------------------------------------

    def evidence(self, refs: list[EvidenceRef]) -> list[dict[str, Any]] | None:
        cited = []
        for ref in refs:
            resource_uuid = stable_uuid("resource", ref.uid)
            self.resources.setdefault(resource_uuid, ref)
            cited.append(
                {
                    "href": f"#{resource_uuid}",
                    "description": _line(f"{ref.title} version {ref.version} ({ref.filename})"),
                    "props": _props(
                        _prop("sha256", ref.sha256),
                        _prop("collected", timestamp(ref.stored_at)),
                        _prop("received-after-fieldwork", "true" if ref.after_fieldwork else ""),
                    ),
                }
            )
        return cited or None

    def collected(self, refs: list[EvidenceRef]) -> str:
        """When the observation's evidence was collected: its newest item, else the start."""
        return timestamp(max(ref.stored_at for ref in refs)) if refs else self.start

    def item_observation(self, row: ChecklistRow) -> dict[str, Any]:
        methods = sorted({METHODS[m] for m in row.methods if m in METHODS}) or ["EXAMINE"]
        nonconforming = row.result in NONCONFORMITIES
        return _clean(
            {
                "uuid": stable_uuid("observation", row.uid),
                "title": _line(
                    f"{row.order}. {row.subject.id} {row.subject.title}: {row.result_label}"
                ),
                "description": row.examined.strip() or "What was examined was not recorded.",
                "props": _props(_prop("checklist-result", row.result)),
                "methods": methods,
                "types": ["control-objective", "finding"]
                if nonconforming
                else ["control-objective"],
                "origins": self.origins(),
                "subjects": [self.subject(row.subject)],
                "relevant-evidence": self.evidence(row.evidence),
                "collected": self.collected(row.evidence),
                "remarks": row.notes.strip(),
            }
        )

    def finding_observation(self, finding: FindingRow, row: ChecklistRow | None) -> dict[str, Any]:
        methods = sorted({METHODS[m] for m in row.methods if m in METHODS}) if row else []
        subjects = [self.subject(finding.subject)] + [
            {"subject-uuid": self.party(p), "type": "party", "title": _line(p.name, p.email)}
            for p in finding.auditees
        ]
        return _clean(
            {
                "uuid": stable_uuid("observation", finding.uid),
                "title": f"{finding.reference} objective evidence",
                "description": finding.statement.strip() or "No statement was recorded.",
                "methods": methods or ["EXAMINE"],
                "types": ["finding"],
                "origins": self.origins(),
                "subjects": subjects,
                "relevant-evidence": self.evidence(finding.evidence),
                "collected": self.collected(finding.evidence),
            }
        )

    def finding(self, finding: FindingRow, related: list[str]) -> dict[str, Any]:
        control, statement = selection(finding.subject)
        failed = finding.grade in NONCONFORMITIES
        remarks = f"{finding.grade_label}; status: {finding.status_label}."
        if finding.nature_label:
            remarks += f" Nature of the gap: {finding.nature_label}."
        return _clean(
            {
                "uuid": stable_uuid("finding", finding.uid),
                "title": _line(f"{finding.reference} {finding.title}"),
                "description": finding.statement.strip() or "No statement was recorded.",
                "props": _props(
                    _prop("grade", finding.grade),
                    _prop("gap-nature", finding.nature),
                    _prop("status", finding.status),
                ),
                "origins": self.origins(),
                "target": _clean(
                    {
                        "type": "statement-id" if statement else "objective-id",
                        "target-id": statement or control,
                        "title": _line(f"{finding.subject.id} {finding.subject.title}"),
                        "description": finding.requirement_statement.strip(),
                        "status": {
                            "state": "not-satisfied" if failed else "satisfied",
                            "reason": "fail" if failed else "pass",
                        },
                    }
                ),
                "related-observations": [{"observation-uuid": u} for u in related],
                "remarks": remarks,
            }
        )

    # --- back matter --------------------------------------------------------------------------

    def plan_resource(self) -> dict[str, Any]:
        audit = self.report.audit
        dates = f"planned {audit.planned_start.isoformat()} to {audit.planned_end.isoformat()}"
        return _clean(
            {
                "uuid": self.plan,
                "title": _line(f"Audit {audit.reference} {audit.title}"),
                "description": f"{audit.kind_label} of the programme "
                f"{_line(audit.programme_title)}, {dates}."
                + (
                    f"\n\nObjectives: {audit.objectives.strip()}"
                    if audit.objectives.strip()
                    else ""
                ),
                "props": _props(_prop("audit-reference", audit.reference)),
                "rlinks": [{"href": f"urn:uuid:{audit.uid}"}],
            }
        )

    def resource(self, resource_uuid: str, ref: EvidenceRef) -> dict[str, Any]:
        return _clean(
            {
                "uuid": resource_uuid,
                "title": _line(f"{ref.title} v{ref.version} ({ref.filename})"),
                "props": _props(
                    _prop("collected", timestamp(ref.stored_at)), _prop("size", f"{ref.size} bytes")
                ),
                "rlinks": [
                    {
                        "href": f"urn:uuid:{ref.uid}",
                        "media-type": _line(ref.media_type, "application/octet-stream"),
                        "hashes": [{"algorithm": "SHA-256", "value": ref.sha256}],
                    }
                ],
            }
        )
