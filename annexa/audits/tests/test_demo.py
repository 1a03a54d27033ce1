"""The audits demo: an approved programme, a closed audit of every grade, one in fieldwork."""

from __future__ import annotations

from collections import Counter

import pytest

from annexa.audits.choices import AuditStatus, ProgrammeStatus, SampleRecordResult
from annexa.audits.demo import build_audits_demo
from annexa.audits.models import (
    Audit,
    AuditProgramme,
    ChecklistItem,
    EvidenceRequest,
    Sample,
    SampleRecord,
)
from annexa.audits.services import independence, requests
from annexa.core.testing.fixtures import make_persona
from annexa.evidence.models import EvidenceVersion
from annexa.isms.demo import build_isms_demo
from annexa.ledger.models import LedgerEntry

ROLES = {
    "owner": "owner",
    "isms_manager": "isms_manager",
    "it": "control_owner",
    "engineering": "control_owner",
    "hr": "control_owner",
    "facilities": "control_owner",
    "auditor": "auditor",
    "viewer": "viewer",
}
COUNTED = (AuditProgramme, Audit, ChecklistItem, EvidenceRequest, Sample, EvidenceVersion)


@pytest.fixture
def built(acme, catalog):
    """The isms demo and the audits demo built once on Acme, as ``annexa demo`` does."""
    personas = {key: make_persona(acme, f"{key}@kestrel.test", r) for key, r in ROLES.items()}
    people = {key: persona.user for key, persona in personas.items()}
    ctx = personas["isms_manager"].ctx
    build_isms_demo(ctx, people)
    return ctx, people, build_audits_demo(ctx, people)


def test_it_builds_an_approved_programme_with_a_closed_audit_of_every_grade(built):
    """One test for what one build gives (each build costs seconds)."""
    _ctx, people, demo = built
    programme = AuditProgramme.objects.get(pk=demo["programme"].pk)
    assert programme.status == ProgrammeStatus.APPROVED
    assert programme.approved_by == people["owner"]
    assert not programme.milestones.filter(kind="stage_1").exists()
    assert programme.audits.count() >= 4
    audit = Audit.objects.get(pk=demo["closed"].pk)
    assert audit.status == AuditStatus.CLOSED
    assert audit.lead_auditor == people["auditor"]
    assert independence.conflicts_of(audit, people["auditor"]) == []
    assert audit.independence_conflicts == []
    items = audit.checklist_items.filter(removed=False)
    grades = Counter(items.values_list("result", flat=True))
    assert grades["major_nc"] == 1 and grades["minor_nc"] == 2
    assert grades["observation"] == 2 and grades["ofi"] == 2
    assert grades["not_audited"] == 2 and "" not in grades
    assert grades["conforming"] > len(items) / 2
    for item in items.filter(result__in=["major_nc", "minor_nc"]):
        assert item.evidence.exists() and item.examined and item.verification
    assert all(item.notes for item in items.filter(result="not_audited"))
    sample = Sample.objects.get(item__audit=demo["closed"])
    assert sample.item.subject_id == "A.5.16"
    assert len(sample.population) == 40 and sample.computed_size == 18
    results = Counter(sample.records.values_list("result", flat=True))
    assert results == {SampleRecordResult.CONFORMING: 16, SampleRecordResult.DEVIATION: 2}
    grades = sorted(f.grade for f in demo["findings"].findings)
    assert grades == [
        "major_nc",
        "minor_nc",
        "minor_nc",
        "observation",
        "observation",
        "ofi",
        "ofi",
    ]
    _assert_consistent(audit)


def _assert_consistent(audit: Audit) -> None:
    """What issue 12 asks of the demo's closed audit: nothing in it contradicts itself."""
    from annexa.findings.models import Finding
    from annexa.reports.models import IssuedReport

    graded = audit.checklist_items.filter(
        removed=False, result__in=["major_nc", "minor_nc", "observation", "ofi"]
    )
    for item in graded:
        finding = Finding.objects.get(checklist_item=item)
        assert finding.grade == item.result and finding.raised_in == audit
        assert finding.statement == item.analysis
        # The requirement line is the one written for this subject, not a generic sentence.
        assert finding.requirement_statement != "" and (
            item.subject_id not in ("A.5.15", "A.5.16", "5.2.f")
            or "Kestrel" in finding.requirement_statement
        )
        if finding.is_nonconformity:
            assert finding.corrective_actions.exists(), finding.reference
    natures = dict(Finding.objects.filter(raised_in=audit).values_list("control_id", "nature"))
    assert natures["A.5.15"] == "no_longer_functioning"  # "the review lapsed", not "never"
    report = IssuedReport.objects.get(audit=audit)
    cited = [v for item in audit.checklist_items.all() for v in item.evidence.all()]
    assert cited and all(v.collected_at < report.issued_at for v in cited)
    assert all(v.collected_at.date() <= audit.actual_end for v in cited)


def test_it_leaves_one_audit_in_fieldwork(built):
    _ctx, people, demo = built
    audit = Audit.objects.get(pk=demo["fieldwork"].pk)
    assert audit.status == AuditStatus.FIELDWORK
    assert independence.conflicts_of(audit, people["auditor"]) == []
    items = audit.checklist_items.filter(removed=False)
    recorded = items.exclude(result="").count()
    assert items.count() / 4 < recorded < items.count() / 2
    open_requests = EvidenceRequest.objects.filter(item__audit=audit, status="open")
    assert open_requests.count() == 2
    overdue = [r for r in open_requests if requests.is_overdue(r)]
    assert len(overdue) == 1
    assert overdue[0].assignee == people["it"]


def test_it_changes_nothing_on_a_second_run(built, acme):
    ctx, people, first = built
    rows = {model: model.objects.count() for model in (*COUNTED, SampleRecord)}
    entries = LedgerEntry.objects.filter(organization=acme).count()
    second = build_audits_demo(ctx, people)
    assert second["closed"].pk == first["closed"].pk
    assert {model: model.objects.count() for model in rows} == rows
    assert LedgerEntry.objects.filter(organization=acme).count() == entries
