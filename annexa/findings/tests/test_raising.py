"""Raising findings: from a checklist item (pre-filled, idempotent), directly, from monitoring."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import AuditStatus, ChecklistResult
from annexa.audits.models import Audit
from annexa.findings import services
from annexa.findings.choices import FindingOrigin, FindingStatus, GapNature
from annexa.findings.models import Finding
from annexa.findings.tests.conftest import ledger_actions, make_item
from annexa.ledger.models import LedgerEntry


def test_it_prefills_a_finding_from_its_checklist_item(draft, nc_item, audit, version, colin):
    assert draft.grade == "major_nc"
    assert draft.control_id == "A.8.5" and draft.requirement_id is None
    assert draft.statement == "Two administrator accounts sign in with a password only."
    assert list(draft.evidence.all()) == [version]
    assert list(draft.auditees.all()) == [colin.user]
    assert draft.raised_in == audit and draft.closed_in is None
    assert draft.checklist_item == nc_item
    assert draft.origin == FindingOrigin.CHECKLIST
    assert draft.status == FindingStatus.DRAFT
    assert draft.nature == GapNature.MISSING
    assert draft.reference == "F-0001"
    assert draft.title == "A.8.5 Secure authentication"


def test_it_raises_once_per_checklist_item(draft, nc_item, audrey, acme):
    again = services.raise_from_checklist_item(audrey.ctx, nc_item, statement="Other words.")
    assert again.pk == draft.pk and again.statement == draft.statement
    assert Finding.objects.for_org(acme).count() == 1
    assert ledger_actions(acme, "finding") == ["raise"]


def test_it_records_the_raise_in_the_ledger(draft, acme, audrey):
    entry = LedgerEntry.objects.get(organization=acme, object_type="finding")
    assert entry.object_id == str(draft.uid) and entry.actor == audrey.user.email
    data = json.loads(entry.data)
    assert data["grade"] == "major_nc" and data["raised_in"] == draft.raised_in.reference
    assert data["evidence"] == [str(v.uid) for v in draft.evidence.all()]


@pytest.mark.parametrize("result", [ChecklistResult.CONFORMING, ChecklistResult.NOT_AUDITED])
def test_it_refuses_items_without_a_finding_result(audit, audrey, soa, result):
    item = make_item(audit, result)
    with pytest.raises(ValidationError, match="conformities stay on the checklist"):
        services.raise_from_checklist_item(audrey.ctx, item)


def test_it_refuses_auditors_outside_the_audit_team(audit, nc_item, acme, soa):
    from annexa.core.testing.fixtures import make_persona

    outsider = make_persona(acme, "otto@acme.test", "auditor")
    with pytest.raises(PermissionDenied, match="audit team"):
        services.raise_from_checklist_item(outsider.ctx, nc_item)


def test_it_lets_a_manager_raise_from_any_item_but_not_a_control_owner(nc_item, isla, colin, soa):
    with pytest.raises(PermissionDenied):
        services.raise_from_checklist_item(colin.ctx, nc_item)
    assert services.raise_from_checklist_item(isla.ctx, nc_item).raised_by == isla.user


def test_it_refuses_items_of_an_audit_not_yet_in_fieldwork(audit, nc_item, audrey, soa):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PREPARING)
    with pytest.raises(ValidationError, match="preparing"):
        services.raise_from_checklist_item(audrey.ctx, nc_item)


def test_it_raises_a_finding_directly_with_ids(audrey, control, acme, version):
    finding = services.raise_finding(
        audrey.ctx,
        grade="minor_nc",
        control="a.8.5",
        requirement="7.2",
        statement="One onboarding record has no training date.",
        evidence=[version],
    )
    assert finding.origin == FindingOrigin.DIRECT and finding.raised_in is None
    assert (finding.control_id, finding.requirement_id) == ("A.8.5", "7.2")
    assert finding.raised_by == audrey.user


def test_it_explains_every_problem_of_a_direct_finding_at_once(audrey, control):
    with pytest.raises(ValidationError) as caught:
        services.raise_finding(audrey.ctx, grade="ofi", nature="missing", statement=" ")
    errors = caught.value.message_dict
    assert set(errors) >= {"control", "statement", "nature"}
    with pytest.raises(ValidationError, match="Unknown Annex A control"):
        services.raise_finding(audrey.ctx, grade="ofi", control="A.99.1", statement="x")
    with pytest.raises(ValidationError, match="grade"):
        services.raise_finding(audrey.ctx, grade="conforming", control="A.8.5", statement="x")


def test_it_keeps_viewers_and_control_owners_from_raising(vera, colin, control):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            services.raise_finding(persona.ctx, grade="ofi", control="A.8.5", statement="x")


def test_it_refuses_evidence_and_auditees_of_another_organization(audrey, control, oscar):
    from annexa.evidence.tests.factories import make_version

    foreign = make_version(oscar.membership.organization)
    with pytest.raises(ValidationError, match="this organization only"):
        services.raise_finding(
            audrey.ctx, grade="ofi", control="A.8.5", statement="x", evidence=[foreign]
        )
    with pytest.raises(ValidationError, match="Not members"):
        services.raise_finding(
            audrey.ctx, grade="ofi", control="A.8.5", statement="x", auditees=[oscar.user]
        )


def test_it_drafts_a_no_longer_functioning_nc_from_monitoring(acme, isla, control, version):
    finding = services.raise_draft_from_monitoring(
        isla.ctx, "A.8.5", "mfa_enabled failed: 3 accounts without MFA", version
    )
    assert finding.status == FindingStatus.DRAFT and finding.grade == "minor_nc"
    assert finding.nature == GapNature.NO_LONGER_FUNCTIONING
    assert finding.origin == FindingOrigin.MONITORING and finding.raised_by is None
    assert list(finding.evidence.all()) == [version]
    assert LedgerEntry.objects.get(organization=acme, object_type="finding").actor == "system"


def test_it_adds_a_repeated_monitoring_failure_to_the_unresolved_draft(acme, isla, control):
    from annexa.evidence.tests.factories import make_version

    first = services.raise_draft_from_monitoring(isla.ctx, "A.8.5", "failed once", [])
    later = make_version(acme)
    again = services.raise_draft_from_monitoring(isla.ctx, "A.8.5", "failed again", [later])
    assert again.pk == first.pk
    assert "failed again" in again.source_detail and list(again.evidence.all()) == [later]
    assert ledger_actions(acme, "finding") == ["raise", "monitoring_failure"]


def test_it_edits_a_draft_and_records_what_changed(draft, audrey, acme):
    services.update_finding(audrey.ctx, draft, {"grade": "minor_nc", "title": "MFA gaps"})
    draft.refresh_from_db()
    assert (draft.grade, draft.title) == ("minor_nc", "MFA gaps")
    entry = LedgerEntry.objects.filter(organization=acme, action="update").get()
    data = json.loads(entry.data)
    assert data["before"] == {"grade": "major_nc", "title": "A.8.5 Secure authentication"}
    assert data["after"] == {"grade": "minor_nc", "title": "MFA gaps"}


def test_it_does_not_record_an_edit_that_changes_nothing(draft, audrey, acme):
    services.update_finding(audrey.ctx, draft, {"title": draft.title})
    assert ledger_actions(acme, "finding") == ["raise"]


def test_it_refuses_edits_to_final_findings_and_unknown_fields(draft, audrey):
    with pytest.raises(ValidationError, match="cannot be set"):
        services.update_finding(audrey.ctx, draft, {"status": "closed"})
    services.withdraw_finding(audrey.ctx, draft, "Duplicate of an older finding.")
    with pytest.raises(ValidationError, match="only draft and open"):
        services.update_finding(audrey.ctx, draft, {"title": "x"})
