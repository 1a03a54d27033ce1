"""Everything an internal audit report says, gathered once: ``build(ctx, audit) -> AuditReport``.

The renderers (HTML, PDF, Markdown, DOCX) and the OSCAL serializer read only this tree, never
the database, so every format says the same thing. It is gathered with a fixed number of
queries whatever the audit's size (prefetching; see ``tests/test_data.py``). Texts that users
typed (notes, statements, justifications) are kept as they are: each renderer escapes them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone

from annexa.audits.choices import ChecklistResult, SampleRecordResult, TeamRole
from annexa.audits.models import Audit, ChecklistItem, IndependenceOverride, Sample
from annexa.audits.services import sampling
from annexa.catalog.choices import Theme
from annexa.core.tenancy import OrgContext
from annexa.evidence.models import EvidenceVersion
from annexa.findings.choices import NONCONFORMITIES, FindingGrade, FindingStatus
from annexa.findings.models import Finding
from annexa.isms.models import ScopeStatement
from annexa.reports.choices import Conclusion
from annexa.reports.models import ReportReview, ReportSettings

# Most serious first: the executive summary lists findings in this order.
GRADE_ORDER: tuple[str, ...] = tuple(FindingGrade.values)
SIGNIFICANT_LIMIT = 5
# Checklist results that say nothing was found: no result yet, or not audited.
UNEXAMINED = (ChecklistResult.BLANK, ChecklistResult.NOT_AUDITED)
SECTIONS: tuple[str, ...] = (
    "Introduction",
    "Executive summary",
    "Report guidance",
    "Audit findings",
    "Audit limitations",
)
ANNEXES: tuple[str, ...] = ("Checklist results", "Sampling records", "Evidence manifest")
# The evidence version fields an EvidenceRef holds (the rest of the row is never loaded).
EVIDENCE_FIELDS = (
    "uid",
    "evidence",
    "number",
    "filename",
    "sha256",
    "size",
    "media_type",
    "collected_at",
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class EvidenceRef:
    """One evidence version as the manifest lists it: the exact bytes that were examined."""

    uid: str
    evidence_uid: str
    title: str
    version: int
    filename: str
    sha256: str
    size: int
    media_type: str
    stored_at: dt.datetime
    # Collected after the audit's fieldwork ended: the report marks it "received after
    # fieldwork", since the auditor could not have examined it during fieldwork.
    after_fieldwork: bool = False


@dataclass(frozen=True)
class Subject:
    """The clause requirement or Annex A control something is about."""

    kind: str  # "requirement" or "control"
    id: str
    title: str
    group: str  # "Clause 9" or the Annex A theme label


@dataclass(frozen=True)
class FindingRow:
    uid: str
    reference: str
    title: str
    grade: str
    grade_label: str
    status: str
    status_label: str
    subject: Subject
    requirement_statement: str
    statement: str
    nature: str
    nature_label: str
    evidence: list[EvidenceRef]
    auditees: list[Person]
    checklist_order: int | None
    checklist_uid: str | None = None


@dataclass(frozen=True)
class ChecklistRow:
    uid: str
    order: int
    subject: Subject
    result: str
    result_label: str
    methods: list[str]
    examined: str
    notes: str
    removed: bool
    removal_reason: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class SelectedRecord:
    index: int
    label: str
    result: str
    result_label: str
    note: str


@dataclass(frozen=True)
class SampleRow:
    uid: str
    checklist_order: int
    subject: Subject
    population_source: str
    population_size: int
    population_sha256: str
    size: int
    rule: str
    rule_label: str
    rationale: str
    seed: str
    confidence_level: str
    tolerable_deviation_rate: str
    records: list[SelectedRecord]
    item_uid: str = ""
    deviations: int = 0
    allowed: int | None = None  # deviations a statistical rule allows; None for judgement

    @property
    def over_allowance(self) -> bool:
        return self.allowed is not None and self.deviations > self.allowed


@dataclass(frozen=True)
class Limitation:
    """Something that limits what the audit can conclude: ``kind`` groups them in the section."""

    kind: str  # "not examined", "sampling", "independence" or "stated"
    subject: str
    detail: str


@dataclass(frozen=True)
class GradeCount:
    """One grade: the findings raised with it and the checklist items recorded with it."""

    grade: str
    label: str
    count: int
    items: int = 0


@dataclass(frozen=True)
class Summary:
    """Every count the report states, taken once from the checklist and the findings.

    ``items_total`` counts the items still on the checklist; it is split into
    ``items_assessed`` (a result other than "not audited"), ``items_not_audited`` and
    ``items_pending`` (no result yet). ``unraised`` lists the nonconformities recorded on the
    checklist that have no finding yet (closing fieldwork refuses them; a draft may have some).
    """

    conclusion: str
    conclusion_label: str
    conclusion_text: str
    counts: list[GradeCount]
    significant: list[FindingRow]
    items_total: int
    items_assessed: int
    items_not_audited: int = 0
    items_pending: int = 0
    items_removed: int = 0
    unraised: list[ChecklistRow] = field(default_factory=list)


@dataclass(frozen=True)
class Guidance:
    intended_readers: str
    distribution: list[str]
    classification: str
    classification_label: str
    retention: str


@dataclass(frozen=True)
class ChartGroup:
    """One bar of the "results by clause / by theme" charts: results counted by value."""

    label: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Charts:
    by_clause: list[ChartGroup]
    by_theme: list[ChartGroup]
    findings_by_grade: list[GradeCount]


@dataclass(frozen=True)
class AuditInfo:
    uid: str
    reference: str
    title: str
    kind_label: str
    status_label: str
    objectives: str
    criteria: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    lead: Person | None
    team: list[Person]
    auditees: list[Person]
    programme_title: str


@dataclass(frozen=True)
class ScopeInfo:
    version: int
    text: str
    boundaries: str
    units: list[str]
    approved: bool


@dataclass(frozen=True)
class Organization:
    uid: str
    name: str
    slug: str


@dataclass(frozen=True)
class AuditReport:
    """The whole report. ``generated_at`` is the issue time for an issued report."""

    organization: Organization
    audit: AuditInfo
    scope: ScopeInfo | None
    summary: Summary
    guidance: Guidance
    findings: list[FindingRow]
    limitations: list[Limitation]
    checklist: list[ChecklistRow]
    samples: list[SampleRow]
    manifest: list[EvidenceRef]
    charts: Charts
    generated_at: dt.datetime
    issue_number: int | None = None
    generated_by: str = ""
    approval: str = "Not yet submitted for review."
    sections: tuple[str, ...] = field(default=SECTIONS)
    annexes: tuple[str, ...] = field(default=ANNEXES)

    @property
    def title(self) -> str:
        return f"Internal audit report {self.audit.reference}"

    @property
    def version_label(self) -> str:
        return f"Issued version {self.issue_number}" if self.issue_number else "Draft"

    @cached_property
    def manifest_numbers(self) -> dict[str, int]:
        """Evidence version uid → its entry number in the manifest (1-based), for citations."""
        return {ref.uid: number for number, ref in enumerate(self.manifest, start=1)}


def build(
    ctx: OrgContext,
    audit: Audit,
    *,
    at: dt.datetime | None = None,
    issue_number: int | None = None,
    review: ReportReview | None = None,
) -> AuditReport:
    """The report of ``audit`` as its data stands; ``at`` fixes the generation time.

    ``review`` is the review of the version being issued; a draft shows the open review's state.
    """
    if audit.organization_id != ctx.org.pk:
        raise ValueError("this audit belongs to another organization")
    audit = _audit(audit.pk)
    versions = _Versions(audit.actual_end)
    checklist = [_checklist_row(item, versions) for item in audit.checklist_items.all()]
    findings = sorted(
        (_finding_row(f, versions) for f in audit.findings_raised.all()),
        key=lambda f: (GRADE_ORDER.index(f.grade), f.reference),
    )
    samples = [_sample_row(s) for item in audit.checklist_items.all() for s in item.samples.all()]
    settings = ReportSettings.for_audit(audit)
    return AuditReport(
        organization=Organization(uid=str(ctx.org.uid), name=ctx.org.name, slug=ctx.org.slug),
        audit=_audit_info(audit),
        scope=_scope(ctx.org),
        summary=_summary(findings, checklist, samples),
        guidance=_guidance(settings),
        findings=findings,
        limitations=_limitations(audit, checklist, samples, settings),
        checklist=checklist,
        samples=samples,
        manifest=sorted(versions.refs.values(), key=lambda v: (v.title.lower(), v.version, v.uid)),
        charts=_charts(checklist, findings),
        generated_at=at or timezone.now(),
        issue_number=issue_number,
        generated_by=ctx.actor,
        approval=approval_line(review or _open_review(audit)),
    )


def _open_review(audit: Audit) -> ReportReview | None:
    reviews = ReportReview.objects.filter(audit=audit, report__isnull=True)
    return reviews.select_related("submitted_by", "reviewed_by", "approved_by").first()


def _who(user) -> str:
    return _person(user).label if user else "the system"


def approval_line(review: ReportReview | None) -> str:
    """The front matter's line on the report's review: who reviewed and approved it, and when."""
    if review is None:
        return "Not yet submitted for review."
    if review.reviewed_at is None:
        return (
            f"Submitted for review on {review.submitted_at:%Y-%m-%d} by "
            f"{_who(review.submitted_by)}; not yet reviewed by the lead auditor."
        )
    reviewed = f"Reviewed by {_who(review.reviewed_by)} on {review.reviewed_at:%Y-%m-%d}"
    if review.approved_at is None:
        return f"{reviewed}; not yet approved."
    return f"{reviewed}, approved by {_who(review.approved_by)} on {review.approved_at:%Y-%m-%d}."


def _audit(pk: int) -> Audit:
    # Only what an EvidenceRef holds: an audit may cite thousands of versions, twice over.
    versions = (
        EvidenceVersion.objects.select_related("evidence")
        .only(*EVIDENCE_FIELDS, "evidence__uid", "evidence__title")
        .order_by("pk")
    )
    items = (
        ChecklistItem.objects.select_related("requirement", "control")
        .prefetch_related(
            Prefetch("evidence", queryset=versions),
            Prefetch(
                "samples",
                queryset=Sample.objects.prefetch_related("records").order_by("created_at", "id"),
            ),
        )
        .order_by("order", "id")
    )
    findings = (
        Finding.objects.exclude(status=FindingStatus.WITHDRAWN)
        .select_related("requirement", "control", "checklist_item")
        .prefetch_related(Prefetch("evidence", queryset=versions), "auditees")
    )
    overrides = IndependenceOverride.objects.select_related("auditor", "recorded_by")
    return (
        Audit.objects.select_related("programme")
        .prefetch_related(
            "team_members__user",
            "auditees",
            Prefetch("checklist_items", queryset=items),
            Prefetch("findings_raised", queryset=findings),
            Prefetch("overrides", queryset=overrides),
        )
        .get(pk=pk)
    )


def _person(user) -> Person:
    return Person(name=user.full_name or "", email=user.email)


def _audit_info(audit: Audit) -> AuditInfo:
    members = list(audit.team_members.all())
    lead = next((m.user for m in members if m.role == TeamRole.LEAD), None)
    return AuditInfo(
        uid=str(audit.uid),
        reference=audit.reference,
        title=audit.title,
        kind_label=audit.get_kind_display(),
        status_label=audit.get_status_display(),
        objectives=audit.objectives,
        criteria=audit.criteria or audit.programme.criteria,
        planned_start=audit.planned_start,
        planned_end=audit.planned_end,
        actual_start=audit.actual_start,
        actual_end=audit.actual_end,
        lead=_person(lead) if lead else None,
        team=[_person(m.user) for m in members],
        auditees=sorted((_person(u) for u in audit.auditees.all()), key=lambda p: p.email),
        programme_title=audit.programme.title,
    )


def _scope(org) -> ScopeInfo | None:
    current = ScopeStatement.current(org)
    if current is None:
        return None
    return ScopeInfo(
        version=current.version,
        text=current.text,
        boundaries=current.boundaries,
        units=[u.get("name", "") for u in current.in_scope],
        approved=current.is_approved,
    )


def _subject(requirement, control) -> Subject:
    if control is not None:
        group = Theme(control.theme).label if control.theme in Theme.values else control.theme
        return Subject("control", control.id, control.title, group)
    return Subject("requirement", requirement.id, requirement.title, f"Clause {requirement.clause}")


class _Versions:
    """The evidence versions the report cites, each made into one ``EvidenceRef``."""

    def __init__(self, fieldwork_end: dt.date | None) -> None:
        self.fieldwork_end = fieldwork_end
        self.refs: dict[int, EvidenceRef] = {}

    def after_fieldwork(self, collected: dt.datetime) -> bool:
        if self.fieldwork_end is None:
            return False
        return timezone.localdate(collected) > self.fieldwork_end


def _evidence(versions, seen: _Versions) -> list[EvidenceRef]:
    refs = []
    for version in versions:
        if version.pk not in seen.refs:
            seen.refs[version.pk] = EvidenceRef(
                uid=str(version.uid),
                evidence_uid=str(version.evidence.uid),
                title=version.evidence.title,
                version=version.number,
                filename=version.filename,
                sha256=version.sha256,
                size=version.size,
                media_type=version.media_type,
                stored_at=version.collected_at,
                after_fieldwork=seen.after_fieldwork(version.collected_at),
            )
        refs.append(seen.refs[version.pk])
    return refs


def _checklist_row(item: ChecklistItem, seen: _Versions) -> ChecklistRow:
    return ChecklistRow(
        uid=str(item.uid),
        order=item.order,
        subject=_subject(item.requirement, item.control),
        result=item.result,
        result_label=item.get_result_display(),
        methods=list(item.methods),
        examined=item.examined,
        notes=item.notes,
        removed=item.removed,
        removal_reason=item.removal_reason,
        evidence=_evidence(item.evidence.all(), seen),
    )


def _finding_row(finding: Finding, seen: _Versions) -> FindingRow:
    item = finding.checklist_item
    return FindingRow(
        uid=str(finding.uid),
        reference=finding.reference,
        title=finding.title,
        grade=finding.grade,
        grade_label=finding.get_grade_display(),
        status=finding.status,
        status_label=finding.get_status_display(),
        subject=_subject(finding.requirement, finding.control),
        requirement_statement=finding.requirement_statement,
        statement=finding.statement,
        nature=finding.nature,
        nature_label=finding.get_nature_display() if finding.nature else "",
        evidence=_evidence(finding.evidence.all(), seen),
        auditees=sorted((_person(u) for u in finding.auditees.all()), key=lambda p: p.email),
        checklist_order=item.order if item else None,
        checklist_uid=str(item.uid) if item else None,
    )


def _percent(value) -> str:
    return f"{value}%" if value is not None else ""


def _sample_row(sample: Sample) -> SampleRow:
    item = sample.item
    counted = sampling.summary(sample, list(sample.records.all()))
    return SampleRow(
        uid=str(sample.uid),
        checklist_order=item.order,
        subject=_subject(item.requirement, item.control),
        population_source=sample.get_population_source_display(),
        population_size=len(sample.population),
        population_sha256=sample.population_sha256,
        size=sample.computed_size,
        rule=sample.rule,
        rule_label=sample.get_rule_display(),
        rationale=sample.rationale,
        seed=sample.seed,
        confidence_level=_percent(sample.confidence_level),
        tolerable_deviation_rate=_percent(sample.tolerable_deviation_rate),
        records=[
            SelectedRecord(r.population_index, r.label, r.result, r.get_result_display(), r.note)
            for r in sample.records.all()
        ],
        item_uid=str(item.uid),
        deviations=counted.deviations,
        allowed=counted.allowed,
    )


def conclude(findings: list[FindingRow], checklist: list[ChecklistRow]) -> tuple[str, str]:
    """The overall conclusion on conformity and the sentence that explains it.

    A major nonconformity means the audited scope does not conform; minor ones alone mean it
    conforms once they are corrected; without nonconformities it conforms. With nothing
    assessed yet there is no conclusion to draw. A nonconformity counts whether it is a
    finding or only a checklist result (the report counts both the same way, ``_grade_counts``).
    """
    grades = {g.grade: max(g.count, g.items) for g in _grade_counts(findings, checklist)}
    assessed = [r for r in checklist if _assessed(r)]
    if grades[FindingGrade.MAJOR_NC]:
        majors = _plural(
            grades[FindingGrade.MAJOR_NC], "major nonconformity", "major nonconformities"
        )
        return Conclusion.NOT_CONFORMING, (
            f"The audit found {majors}: the audited scope does not conform to the audit criteria. "
            "Readiness for certification depends on correcting them and verifying the correction."
        )
    if grades[FindingGrade.MINOR_NC]:
        minors = _plural(
            grades[FindingGrade.MINOR_NC], "minor nonconformity", "minor nonconformities"
        )
        return Conclusion.CONFORMING_WITH_NC, (
            f"The audited scope conforms to the audit criteria, with {minors} to correct within "
            "the agreed time."
        )
    if not assessed and not findings:
        return Conclusion.NOT_CONCLUDED, (
            "No checklist item has a result yet, so the audit supports no conclusion."
        )
    return Conclusion.CONFORMING, (
        "The audited scope conforms to the audit criteria; the observations and opportunities "
        "for improvement below are offered to make it stronger."
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _assessed(row: ChecklistRow) -> bool:
    """On the checklist with a result that says what was found ("not audited" says nothing)."""
    return not row.removed and row.result not in UNEXAMINED


def _summary(
    findings: list[FindingRow], checklist: list[ChecklistRow], samples: list[SampleRow]
) -> Summary:
    conclusion, text = conclude(findings, checklist)
    live = [r for r in checklist if not r.removed]
    raised = {f.checklist_uid for f in findings if f.grade in NONCONFORMITIES}
    failed = {s.item_uid for s in samples if s.over_allowance}
    return Summary(
        conclusion=conclusion,
        conclusion_label=Conclusion(conclusion).label,
        conclusion_text=text,
        counts=_grade_counts(findings, checklist),
        significant=findings[:SIGNIFICANT_LIMIT],
        items_total=len(live),
        items_assessed=sum(1 for r in live if _assessed(r)),
        items_not_audited=sum(1 for r in live if r.result == ChecklistResult.NOT_AUDITED),
        items_pending=sum(1 for r in live if r.result == ChecklistResult.BLANK),
        items_removed=len(checklist) - len(live),
        unraised=[
            r
            for r in live
            if (r.result in NONCONFORMITIES or r.uid in failed) and r.uid not in raised
        ],
    )


def _grade_counts(findings: list[FindingRow], checklist: list[ChecklistRow]) -> list[GradeCount]:
    counts = Counter(f.grade for f in findings)
    items = Counter(r.result for r in checklist if not r.removed)
    return [GradeCount(g.value, g.label, counts[g.value], items[g.value]) for g in FindingGrade]


def _guidance(settings: ReportSettings) -> Guidance:
    return Guidance(
        intended_readers=settings.intended_readers,
        distribution=settings.recipients,
        classification=settings.classification,
        classification_label=settings.get_classification_display(),
        retention=settings.retention,
    )


def _limitations(
    audit: Audit,
    checklist: list[ChecklistRow],
    samples: list[SampleRow],
    settings: ReportSettings,
) -> list[Limitation]:
    found = [_not_examined(row) for row in checklist if _unexamined(row)]
    found += [_sampling_limit(sample) for sample in samples]
    found += [
        Limitation(
            "independence",
            f"{o.auditor.full_name or o.auditor.email}: {o.conflict}",
            f"Justification recorded by "
            f"{(o.recorded_by.email if o.recorded_by else 'the system')} on "
            f"{o.recorded_at:%Y-%m-%d}: {o.justification}",
        )
        for o in audit.overrides.all()
    ]
    found += [
        Limitation("stated", "Recorded on the audit", text)
        for text in (audit.limitations.strip(), settings.limitations.strip())
        if text
    ]
    return found


def _unexamined(row: ChecklistRow) -> bool:
    return row.removed or row.result in UNEXAMINED


def _not_examined(row: ChecklistRow) -> Limitation:
    subject = f"{row.subject.id} {row.subject.title}"
    if row.removed:
        why = row.removal_reason or "Removed from the checklist; no reason was recorded."
        return Limitation("not examined", subject, f"Removed from the checklist: {why}")
    if row.result == ChecklistResult.NOT_AUDITED:
        return Limitation(
            "not examined",
            subject,
            row.notes or row.examined or "Not audited; no reason was recorded.",
        )
    return Limitation("not examined", subject, "No result was recorded for this item.")


def _sampling_limit(sample: SampleRow) -> Limitation:
    share = f"{sample.size / sample.population_size:.0%}" if sample.population_size else "—"
    untested = sum(
        1
        for r in sample.records
        if r.result in (SampleRecordResult.PENDING, SampleRecordResult.NOT_TESTABLE)
    )
    detail = (
        f"{sample.size} of {sample.population_size} records ({share}) were tested, chosen by "
        f"{sample.rule_label.lower()} sampling; what it says of the other records is inferred "
        "from the sample."
    )
    if untested:
        detail += (
            f" {_plural(untested, 'selected record was', 'selected records were')} not tested."
        )
    if sample.deviations or sample.allowed is not None:
        detail += f" {_plural(sample.deviations, 'deviation was', 'deviations were')} found"
        detail += "." if sample.allowed is None else f"; the rule allows {sample.allowed}."
    return Limitation("sampling", f"{sample.subject.id} {sample.subject.title}", detail)


def _charts(checklist: list[ChecklistRow], findings: list[FindingRow]) -> Charts:
    by_clause: dict[str, Counter] = {}
    by_theme: dict[str, Counter] = {}
    for row in checklist:
        if row.removed:
            continue
        target = by_theme if row.subject.kind == "control" else by_clause
        target.setdefault(row.subject.group, Counter())[row.result] += 1
    clause_order = sorted(by_clause, key=lambda label: int(label.split()[-1]))
    theme_order = [t.label for t in Theme if t.label in by_theme]
    return Charts(
        by_clause=[ChartGroup(label, dict(by_clause[label])) for label in clause_order],
        by_theme=[ChartGroup(label, dict(by_theme[label])) for label in theme_order],
        findings_by_grade=_grade_counts(findings, checklist),
    )
