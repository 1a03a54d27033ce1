"""Exports: OSCAL POA&M JSON that compliance-trestle's model accepts, and XLSX."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from annexa.actions import services
from annexa.actions.exports import ExportError, export
from annexa.actions.models import CorrectiveAction
from annexa.actions.poam import build_poam, stable_uuid
from annexa.findings import services as findings


def plain(value):
    """A trestle value (root model, enum or text) as plain text."""
    while hasattr(value, "root"):
        value = value.root
    return getattr(value, "value", value)


def load(document: dict):
    from trestle.oscal.poam import PlanOfActionAndMilestones

    return PlanOfActionAndMilestones.model_validate(document["plan-of-action-and-milestones"])


@pytest.fixture
def register(implemented, audrey, isla, colin, control):
    """An implemented action of a major NC, an acknowledged observation, a management-review
    action, and an open minor NC without an action yet."""
    services.record_review(
        audrey.ctx, implemented, method="document_review", conclusion="effective", notes="OK."
    )
    services.close_action(isla.ctx, implemented)
    observation = findings.raise_finding(
        audrey.ctx,
        grade="observation",
        control="A.8.5",
        requirement_statement="x",
        statement="One person only.",
    )
    findings.open_finding(isla.ctx, observation)
    services.create_action(
        isla.ctx,
        source="management_review",
        source_reference="MR-1",
        title="Restore tests",
        plan="Quarterly.",
        owner=colin.user,
        due_date="2026-09-30",
    )
    minor = findings.raise_finding(
        audrey.ctx,
        grade="minor_nc",
        control="A.8.5",
        requirement_statement="y",
        statement="One review late.",
        nature="ineffective",
        evidence=list(implemented.finding.evidence.all()),
    )
    findings.open_finding(isla.ctx, minor)
    return implemented


def test_it_exports_a_poam_that_trestle_loads(register, acme, version):
    poam = load(build_poam(acme))
    major = register.finding
    assert poam.uuid == stable_uuid("poam", acme.uid)
    assert plain(poam.metadata.oscal_version) == "1.1.2"
    assert poam.system_id.id == str(acme.uid)
    assert {f.title.split()[0] for f in poam.findings} == {"F-0001", "F-0002", "F-0003"}
    by_title = {item.title.split()[0]: item for item in poam.poam_items}
    assert set(by_title) == {"CA-0001", "CA-0002", "F-0003:"}
    item = by_title["CA-0001"]
    assert item.related_findings[0].finding_uuid == stable_uuid("finding", major.uid)
    assert item.related_risks[0].risk_uuid == stable_uuid("risk", major.uid)
    assert item.related_observations[0].observation_uuid == stable_uuid("observation", major.uid)
    review_action = CorrectiveAction.objects.get(source="management_review")
    assert by_title["CA-0002"].related_risks[0].risk_uuid == stable_uuid("risk", review_action.uid)
    assert by_title["CA-0002"].related_findings is None


def test_it_keeps_references_resolvable_after_loading(register, acme, version):
    poam = load(build_poam(acme))
    findings_ = {f.uuid: f for f in poam.findings}
    risks = {r.uuid: r for r in poam.risks}
    observations = {o.uuid: o for o in poam.observations}
    for item in poam.poam_items:
        for related in item.related_findings or []:
            assert related.finding_uuid in findings_
        for related in item.related_risks or []:
            assert related.risk_uuid in risks
        for related in item.related_observations or []:
            assert related.observation_uuid in observations
    major_risk = risks[stable_uuid("risk", register.finding.uid)]
    assert plain(major_risk.status) == "remediating"  # the finding itself is not closed yet
    remediation = major_risk.remediations[0]
    assert plain(remediation.lifecycle) == "completed"
    titles = [t.title for t in remediation.tasks]
    assert titles == ["Implementation due", "Implemented", "Verified effective and closed"]
    assert remediation.tasks[0].timing.on_date.date.date() == register.due_date
    evidence = observations[stable_uuid("observation", register.finding.uid)].relevant_evidence
    resource_uuid = evidence[0].href.lstrip("#")
    [resource] = [r for r in poam.back_matter.resources if r.uuid == resource_uuid]
    assert resource.rlinks[0].hashes[0].value == version.sha256
    target = findings_[stable_uuid("finding", register.finding.uid)].target
    assert (target.target_id, plain(target.status.state)) == ("A.8.5", "not-satisfied")


def test_it_keeps_uuids_stable_between_exports(register, acme):
    first, second = build_poam(acme), build_poam(acme)
    items = lambda d: [i["uuid"] for i in d["plan-of-action-and-milestones"]["poam-items"]]  # noqa: E731
    assert items(first) == items(second)
    assert all(uuid.UUID(u).version == 5 for u in items(first))


def test_it_refuses_an_empty_plan(acme):
    with pytest.raises(ExportError, match="no corrective action"):
        export(acme, "poam")


def test_it_exports_xlsx_that_openpyxl_opens(register, acme):
    from openpyxl import load_workbook

    body, media_type, filename = export(acme, "xlsx")
    assert filename.startswith("acme-corrective-actions-") and "spreadsheetml" in media_type
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Reference", "Title", "Source")
    assert [r[0] for r in rows[1:]] == ["CA-0001", "CA-0002"]
    assert rows[1][14] == "Closed" and "Effective" in rows[1][17]
    assert rows[1][9] == "1. Why? Why no MFA? Because: Exempt accounts."


def test_it_writes_poam_json(register, acme):
    body, media_type, _ = export(acme, "poam")
    assert media_type == "application/json"
    assert load(json.loads(body)).poam_items
