"""Recording fieldwork: results and their rules, the team, uploads, concurrent saves, closing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import AuditStatus, ChecklistResult
from annexa.audits.models import ChecklistItem
from annexa.audits.services import fieldwork
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import actions, store_text

MINOR = ChecklistResult.MINOR_NC


def test_it_records_a_result_with_a_new_version_and_a_ledger_entry(items, audrey):
    item = items["A.8.5"]
    saved = fieldwork.save_fieldwork(
        audrey.ctx,
        item,
        {"result": "conforming", "methods": ["interview", "document_review"], "notes": "Fine."},
        expected_version=1,
    )
    assert saved.version == 2
    assert saved.updated_by == audrey.user
    assert saved.methods == ["document_review", "interview"]  # the choices' order
    assert actions(item.organization, fieldwork.OBJECT_TYPE) == ["record"]


def test_it_treats_a_save_without_changes_as_a_no_op(items, audrey):
    item = items["A.8.5"]
    fieldwork.save_fieldwork(audrey.ctx, item, {"notes": ""}, expected_version=1)
    item.refresh_from_db()
    assert item.version == 1
    assert actions(item.organization, fieldwork.OBJECT_TYPE) == []


def test_it_requires_examined_verification_and_evidence_for_a_nonconformity(items, audrey):
    item = items["A.8.5"]
    with pytest.raises(ValidationError) as caught:
        fieldwork.save_fieldwork(audrey.ctx, item, {"result": MINOR, "methods": ["interview"]})
    assert set(caught.value.message_dict) == {"examined", "verification", "evidence"}
    assert "at least one piece of evidence" in caught.value.message_dict["evidence"][0]
    item.refresh_from_db()
    assert item.result == "" and item.version == 1


def test_it_records_a_nonconformity_with_evidence(items, audrey):
    item = items["A.8.5"]
    version = store_text(audrey.ctx, "MFA disabled for 3 admins", controls=["A.8.5"])
    saved = fieldwork.save_fieldwork(
        audrey.ctx,
        item,
        {
            "result": MINOR,
            "methods": ["technical_test"],
            "examined": "IdP policy export",
            "verification": "Logged in as a test admin without a second factor.",
            "evidence": [version],
        },
        expected_version=1,
    )
    assert saved.result == MINOR
    assert list(saved.evidence.all()) == [version]


def test_it_asks_for_a_method_and_for_why_an_item_was_not_audited(items, audrey):
    item = items["A.5.15"]
    with pytest.raises(ValidationError) as caught:
        fieldwork.save_fieldwork(audrey.ctx, item, {"result": "conforming"})
    assert "methods" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        fieldwork.save_fieldwork(audrey.ctx, item, {"result": "not_audited"})
    assert "notes" in caught.value.message_dict


def test_it_refuses_unknown_results_and_methods(items, audrey):
    item = items["A.5.15"]
    with pytest.raises(ValidationError) as caught:
        fieldwork.save_fieldwork(audrey.ctx, item, {"result": "great", "methods": ["guess"]})
    assert set(caught.value.message_dict) == {"result", "methods"}


def test_it_lets_only_the_audit_team_record(items, alice, colin, vera):
    item = items["A.8.5"]
    change = {"notes": "x"}
    with pytest.raises(PermissionDenied, match="audit team"):
        fieldwork.save_fieldwork(alice.ctx, item, change)  # an owner, not on the team
    for outsider in (colin, vera):  # roles without audit.conduct
        with pytest.raises(PermissionDenied):
            fieldwork.save_fieldwork(outsider.ctx, item, change)


def test_it_records_results_only_during_fieldwork(items, audrey, fieldwork_audit):
    fieldwork_audit.status = AuditStatus.PREPARING
    fieldwork_audit.save()
    with pytest.raises(ValidationError, match="only while it is fieldwork"):
        fieldwork.save_fieldwork(audrey.ctx, items["A.8.5"], {"notes": "early"})


def test_it_stores_an_upload_on_the_spot_linked_to_item_and_control(items, audrey):
    item = items["A.8.5"]
    upload = fieldwork.NewEvidence(filename="mfa.txt", chunks=[b"MFA report\n"], title="MFA")
    saved = fieldwork.save_fieldwork(audrey.ctx, item, {}, expected_version=1, upload=upload)
    version = saved.evidence.get()
    assert version.evidence.title == "MFA"
    assert list(version.evidence.controls.values_list("id", flat=True)) == ["A.8.5"]
    assert saved.version == 2


def test_it_refuses_the_second_of_two_concurrent_saves(items, audrey, isla):
    item = items["A.8.5"]
    first = fieldwork.save_fieldwork(
        audrey.ctx, item, {"examined": "Audrey's notes"}, expected_version=1
    )
    with pytest.raises(fieldwork.StaleVersionError) as caught:
        fieldwork.save_fieldwork(isla.ctx, item, {"examined": "Isla's notes"}, expected_version=1)
    message = str(caught.value)
    assert "Audrey Auditor saved this item at" in message
    assert "reload to see their changes" in message
    stored = ChecklistItem.objects.get(pk=item.pk)
    assert stored.examined == "Audrey's notes" and stored.version == first.version == 2


def test_it_keeps_the_last_evidence_of_a_nonconformity(items, audrey):
    item = items["A.8.5"]
    version = store_text(audrey.ctx, "proof")
    fieldwork.save_fieldwork(
        audrey.ctx,
        item,
        {
            "result": MINOR,
            "methods": ["interview"],
            "examined": "x",
            "verification": "y",
            "evidence": [version],
        },
    )
    with pytest.raises(ValidationError, match="at least one piece of evidence"):
        fieldwork.save_fieldwork(audrey.ctx, item, {"evidence": []})


def test_it_closes_fieldwork_only_when_every_item_is_assessed(items, audrey, fieldwork_audit):
    with pytest.raises(ValidationError) as caught:
        fieldwork.close_fieldwork(audrey.ctx, fieldwork_audit)
    assert "3 item(s) have no result yet" in caught.value.messages[0]
    for item in items.values():
        fieldwork.save_fieldwork(
            audrey.ctx, item, {"result": "conforming", "methods": ["document_review"]}
        )
    audit = fieldwork.close_fieldwork(audrey.ctx, fieldwork_audit)
    assert audit.status == AuditStatus.REPORTING


def test_it_serialises_truly_concurrent_saves(transactional_db, items, audrey, isla):
    """Two auditors press Save at the same moment: the row lock orders them, the version check
    refuses the second. Needs a database where connections wait for each other's locks."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database fails on locks instead of waiting")
    item = items["A.8.5"]
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(persona, text: str) -> None:
        try:
            start.wait()
            fieldwork.save_fieldwork(persona.ctx, item, {"examined": text}, expected_version=1)
            outcomes[text] = "saved"
        except fieldwork.StaleVersionError:
            outcomes[text] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(audrey, "Audrey's")),
        threading.Thread(target=save, args=(isla, "Isla's")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(text for text, outcome in outcomes.items() if outcome == "saved")
    stored = ChecklistItem.objects.get(pk=item.pk)
    assert (stored.examined, stored.version) == (winner, 2)


def _assess_all(items, audrey, nonconforming: str, proof) -> None:
    """Every item conforming except ``nonconforming``, a minor nonconformity."""
    for subject, item in items.items():
        changes = {"result": "conforming", "methods": ["document_review"]}
        if subject == nonconforming:
            changes = {**changes, "result": MINOR, "examined": "x", "verification": "y"}
            changes["evidence"] = [proof]
        fieldwork.save_fieldwork(audrey.ctx, item, changes)


def test_a_nonconformity_needs_its_finding_before_fieldwork_or_the_audit_closes(
    items, audrey, isla, fieldwork_audit
):
    """Issue 12: a nonconformity on the checklist that was never raised has no corrective
    action; closing fieldwork (and closing the audit) refuses it, and a withdrawn finding does
    not count."""
    from annexa.audits.services import audits
    from annexa.findings import services as findings

    _assess_all(items, audrey, "A.8.5", store_text(audrey.ctx, "proof"))
    with pytest.raises(ValidationError) as caught:
        fieldwork.close_fieldwork(audrey.ctx, fieldwork_audit)
    assert caught.value.messages == [
        f"A.8.5 (item {items['A.8.5'].order}): the result is a minor nonconformity but no "
        "nonconformity was raised from it: raise its finding (or change the result) before "
        "fieldwork closes."
    ]
    assert any("A.8.5" in p for p in audits.closing_blockers(fieldwork_audit))
    finding = findings.raise_from_checklist_item(audrey.ctx, items["A.8.5"])
    findings.withdraw_finding(isla.ctx, finding, "Raised by mistake.")
    with pytest.raises(ValidationError, match=r"A\.8\.5 \(item"):
        fieldwork.close_fieldwork(audrey.ctx, fieldwork_audit)


def test_a_sample_with_more_deviations_than_allowed_needs_a_finding(items, audrey):
    """A conforming result does not hide a statistical sample that failed its rule."""
    from decimal import Decimal

    from annexa.audits.choices import SamplingRule
    from annexa.audits.services import sampling
    from annexa.findings import services as findings

    _assess_all(items, audrey, "", None)
    item = items["A.5.15"]
    text = "".join(f"joiner-{i:03d}\n" for i in range(60)).encode()
    rule = sampling.Rule(
        kind=SamplingRule.STATISTICAL, confidence=Decimal("90"), tolerable=Decimal("20")
    )
    population = sampling.Population(data=text, filename="joiners.txt")
    sample = sampling.create_sample(audrey.ctx, item, population, rule, "issue-12")
    records = list(sample.records.order_by("population_index"))
    for number, entry in enumerate(records):
        result = "deviation" if number < 2 else "conforming"
        sampling.record_result(audrey.ctx, entry, result, "late" if number < 2 else "")
    assert sampling.summary(sample).allowed == 0
    [(blocked, why)] = fieldwork.unraised_nonconformities(item.audit)
    assert blocked.pk == item.pk and why == "its sample has 2 deviation(s) where 0 are allowed"
    # A conforming item has no finding to raise: the auditor records the nonconformity the
    # sample shows, then raises it.
    proof = store_text(audrey.ctx, "sample results")
    changes = {"result": MINOR, "examined": "Sample", "verification": "Tested", "evidence": [proof]}
    fieldwork.save_fieldwork(audrey.ctx, ChecklistItem.objects.get(pk=item.pk), changes)
    findings.raise_from_checklist_item(audrey.ctx, item)
    assert fieldwork.unraised_nonconformities(item.audit) == []
    audit = fieldwork.close_fieldwork(audrey.ctx, item.audit)
    assert audit.status == AuditStatus.REPORTING
