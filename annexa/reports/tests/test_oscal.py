"""The report as OSCAL assessment results: compliance-trestle loads it, and what the report says
about findings, observations and evidence survives trestle's round trip."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest

from annexa.actions.poam import stable_uuid
from annexa.audits.models import ChecklistItem
from annexa.evidence import services as evidence
from annexa.findings import services as findings
from annexa.findings.tests.conftest import (  # noqa: F401 (fixtures)
    audit,
    control,
    make_item,
    version,
)
from annexa.reports.data import Subject, build
from annexa.reports.oscal import OscalError, assessment_results, selection

AT = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
HOSTILE = "He said \"enough\" </script><script>alert('x')</script> & <img src=x> — Ünïcødé ✓ 中文"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def load(body: bytes):
    """The document as compliance-trestle's model (it refuses anything OSCAL does not know)."""
    from trestle.oscal.assessment_results import AssessmentResults

    return AssessmentResults.model_validate(json.loads(body)["assessment-results"])


def instants(value):
    """``value`` with every date-time as an aware datetime (trestle writes ``+00:00`` for Z)."""
    if isinstance(value, dict):
        return {k: instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [instants(v) for v in value]
    if isinstance(value, str) and DATETIME.match(value):
        return dt.datetime.fromisoformat(value)
    return value


def round_trip(body: bytes) -> dict:
    """The document as trestle writes it back after loading it."""
    dumped = json.loads(load(body).oscal_serialize_json())
    assert instants(dumped) == instants(json.loads(body)), "trestle lost or changed something"
    return dumped["assessment-results"]


def props(obj: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in obj.get("props", [])}


def expected_target(subject: Subject) -> tuple[str, str]:
    if subject.kind == "control":
        return "objective-id", subject.id.lower()
    lettered = not subject.id.split(".")[-1].isdigit()
    return ("statement-id" if lettered else "objective-id"), f"clause-{subject.id}"


def test_it_maps_catalog_ids_to_oscal_control_and_statement_ids():
    def of(kind, id_):
        return selection(Subject(kind, id_, "t", "g"))

    assert of("control", "A.5.1") == ("a.5.1", None)
    assert of("control", "A.8.34") == ("a.8.34", None)
    assert of("requirement", "9.2") == ("clause-9.2", None)
    assert of("requirement", "4") == ("clause-4", None)
    assert of("requirement", "6.1.2.c") == ("clause-6.1.2", "clause-6.1.2.c")
    assert of("requirement", "6.1.2.c.1") == ("clause-6.1.2", "clause-6.1.2.c.1")
    assert of("requirement", "4.1.climate") == ("clause-4.1", "clause-4.1.climate")


def test_the_demo_report_loads_in_trestle_with_its_findings_and_evidence(demo):
    """One test for the demo (building it costs seconds): validity, round trip, determinism."""
    personas, closed = demo
    ctx = personas["auditor"].ctx
    report = build(ctx, closed, at=AT, issue_number=1)
    body = assessment_results(report)
    assert body == assessment_results(report)
    assert body == assessment_results(build(ctx, closed, at=AT, issue_number=1))
    document = round_trip(body)

    assert document["uuid"] == stable_uuid("assessment-results", report.audit.uid)
    metadata = document["metadata"]
    assert metadata["oscal-version"] == "1.1.2"
    assert instants(metadata["last-modified"]) == AT == instants(metadata["published"])
    assert metadata["version"] == "1"
    assert {"name": "marking", "value": report.guidance.classification} in metadata["props"]
    parties = {p["uuid"]: p for p in metadata["parties"]}
    assert parties[stable_uuid("party", report.organization.uid)]["name"] == "Acme Ltd"
    responsible = {r["role-id"]: r["party-uuids"] for r in metadata["responsible-parties"]}
    lead = stable_uuid("party", report.organization.uid, report.audit.lead.email)
    assert responsible["lead-auditor"] == [lead] and lead in parties
    assert all(u in parties for uuids in responsible.values() for u in uuids)
    plan = document["import-ap"]["href"]
    resources = {r["uuid"]: r for r in document["back-matter"]["resources"]}
    assert plan.startswith("#") and plan[1:] in resources

    [result] = document["results"]
    assert instants(result["start"]).date() == report.audit.actual_start
    assert instants(result["end"]).date() == report.audit.actual_end
    assert props(result)["conclusion"] == report.summary.conclusion

    # Every finding, with its title, target and grade.
    assert len(report.findings) == 7  # every graded checklist item of the demo has its finding
    by_uuid = {f["uuid"]: f for f in result["findings"]}
    assert list(by_uuid) == [stable_uuid("finding", f.uid) for f in report.findings]
    observations = {o["uuid"]: o for o in result["observations"]}
    for row in report.findings:
        finding = by_uuid[stable_uuid("finding", row.uid)]
        assert finding["title"] == f"{row.reference} {row.title}"
        assert finding["description"] == row.statement
        kind, target_id = expected_target(row.subject)
        assert (finding["target"]["type"], finding["target"]["target-id"]) == (kind, target_id)
        state = "not-satisfied" if row.grade in ("major_nc", "minor_nc") else "satisfied"
        assert finding["target"]["status"]["state"] == state
        assert props(finding)["grade"] == row.grade
        assert props(finding).get("gap-nature", "") == row.nature
        related = [r["observation-uuid"] for r in finding["related-observations"]]
        assert related and all(u in observations for u in related)
        cited = {e["href"] for u in related for e in observations[u].get("relevant-evidence", [])}
        assert {f"#{stable_uuid('resource', ref.uid)}" for ref in row.evidence} <= cited

    # One observation per examined checklist item, with every piece of evidence it cites.
    examined = [
        r for r in report.checklist if not r.removed and r.result not in ("", "not_audited")
    ]
    assert len(examined) > 10
    for row in examined:
        observation = observations[stable_uuid("observation", row.uid)]
        assert observation["methods"] and set(observation["methods"]) <= {
            "EXAMINE",
            "INTERVIEW",
            "TEST",
        }
        assert props(observation)["checklist-result"] == row.result
        evidence = observation.get("relevant-evidence", [])
        assert [e["href"] for e in evidence] == [
            f"#{stable_uuid('resource', ref.uid)}" for ref in row.evidence
        ]
        assert [props(e)["sha256"] for e in evidence] == [ref.sha256 for ref in row.evidence]

    # The evidence manifest: each version once, with its SHA-256, reachable from an observation.
    assert report.manifest
    cited = {e["href"][1:] for o in observations.values() for e in o.get("relevant-evidence", [])}
    for ref in report.manifest:
        resource = resources[stable_uuid("resource", ref.uid)]
        [link] = resource["rlinks"]
        assert link["hashes"] == [{"algorithm": "SHA-256", "value": ref.sha256}]
        assert link["href"] == f"urn:uuid:{ref.uid}"
        assert resource["uuid"] in cited

    # The controls and clauses examined, by their OSCAL ids.
    [chosen] = result["reviewed-controls"]["control-selections"]
    included = {c["control-id"]: c.get("statement-ids") for c in chosen["include-controls"]}
    for row in examined:
        kind, target_id = expected_target(row.subject)
        if kind == "objective-id":
            assert target_id in included
        else:
            parent = target_id.rsplit(".", 1)[0]
            assert included[parent] is None or target_id in included[parent]
    not_audited = [r.subject.id for r in report.checklist if r.result == "not_audited"]
    assert not_audited and all(s in result["reviewed-controls"]["remarks"] for s in not_audited)
    uuids = [o["uuid"] for o in result["observations"]] + list(by_uuid)
    assert all(uuid.UUID(u).version == 5 for u in uuids)
    assert len(set(uuids)) == len(uuids)


@pytest.fixture
def conforming(audit, version):  # noqa: F811 (the fixtures imported above)
    """The audit with one conforming item, its evidence linked, and no finding."""
    return make_item(audit, "conforming", version)


def test_an_audit_without_findings_still_validates(conforming, audit, audrey, version):  # noqa: F811
    report = build(audrey.ctx, audit, at=AT)
    assert report.findings == []
    body = assessment_results(report)
    document = round_trip(body)
    metadata = document["metadata"]
    assert "published" not in metadata and metadata["version"].startswith("draft ")
    [result] = document["results"]
    assert "findings" not in result and "end" not in result
    [observation] = result["observations"]
    assert observation["uuid"] == stable_uuid("observation", conforming.uid)
    assert observation["types"] == ["control-objective"]
    assert sorted(observation["methods"]) == ["EXAMINE", "INTERVIEW"]
    [evidence] = observation["relevant-evidence"]
    assert props(evidence)["sha256"] == version.sha256
    assert instants(observation["collected"]) == version.collected_at.replace(microsecond=0)
    [chosen] = result["reviewed-controls"]["control-selections"]
    assert chosen["include-controls"] == [{"control-id": "a.8.5"}]


def test_hostile_text_stays_text(audit, audrey, version):  # noqa: F811
    """Quotes, markup and non-Latin text are data: kept exactly, never escaped or interpreted."""
    item = make_item(audit, "minor_nc", version, order=1)
    ChecklistItem.objects.filter(pk=item.pk).update(examined=HOSTILE, notes=f"Line 1\n{HOSTILE}")
    from_item = findings.raise_from_checklist_item(
        audrey.ctx,
        item,
        title=f"Late review {HOSTILE}",
        statement=f"{HOSTILE}\nSecond line.",
        requirement_statement=HOSTILE,
        nature="ineffective",
    )
    extra = evidence.store(
        audrey.ctx, chunks=[HOSTILE.encode()], filename="notes <1>.txt", title=HOSTILE
    )
    direct = findings.raise_finding(
        audrey.ctx,
        audit=audit,
        grade="observation",
        requirement="7.2",
        statement=HOSTILE,
        evidence=[extra],
    )
    report = build(audrey.ctx, audit, at=AT)
    body = assessment_results(report)
    as_json = json.dumps(HOSTILE, ensure_ascii=False)[1:-1].encode()
    assert b"&lt;" not in body and b"\\u" not in body and as_json in body
    document = round_trip(body)

    [result] = document["results"]
    found = {f["uuid"]: f for f in result["findings"]}
    observations = {o["uuid"]: o for o in result["observations"]}
    first = found[stable_uuid("finding", from_item.uid)]
    assert first["title"] == f"F-{from_item.number:04d} Late review {HOSTILE}"
    assert first["description"] == f"{HOSTILE}\nSecond line."
    assert first["target"]["description"] == HOSTILE
    assert props(first)["gap-nature"] == "ineffective"
    item_observation = observations[stable_uuid("observation", item.uid)]
    assert item_observation["description"] == HOSTILE
    assert item_observation["remarks"] == f"Line 1\n{HOSTILE}"
    assert [r["observation-uuid"] for r in first["related-observations"]] == [
        item_observation["uuid"]
    ]

    # Raised directly, with evidence of its own: its own observation carries that evidence.
    second = found[stable_uuid("finding", direct.uid)]
    assert second["target"] == {
        "type": "objective-id",
        "target-id": "clause-7.2",
        "title": second["target"]["title"],
        "status": {"state": "satisfied", "reason": "pass"},
    }
    [related] = second["related-observations"]
    own = observations[related["observation-uuid"]]
    assert own["uuid"] == stable_uuid("observation", direct.uid)
    [cited] = own["relevant-evidence"]
    assert props(cited)["sha256"] == extra.sha256
    resources = {r["uuid"]: r for r in document["back-matter"]["resources"]}
    assert resources[cited["href"][1:]]["title"] == f"{HOSTILE} v1 (notes <1>.txt)"


def test_it_refuses_an_audit_without_a_checklist(audit, audrey):  # noqa: F811
    with pytest.raises(OscalError, match="no checklist yet"):
        assessment_results(build(audrey.ctx, audit, at=AT))
