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
