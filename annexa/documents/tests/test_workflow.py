"""The document workflow: draft → in review → approved by someone other than the author,
superseded by the next approved version, retired; evidence and ledger on approval."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.documents.choices import DocumentStatus, VersionState
from annexa.documents.models import Document
from annexa.documents.services import register, versions
from annexa.ledger.models import LedgerEntry


def actions(document):
    return list(
        LedgerEntry.objects.filter(object_type="document", object_id=str(document.uid))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_a_new_document_is_numbered_and_drafted(policy, isla):
    assert policy.reference == "DOC-001"
    assert policy.status == DocumentStatus.DRAFT
    assert policy.owner == isla.user
    version = policy.versions.get()
    assert (version.label, version.state, version.author) == ("1.0", "draft", isla.user)
    assert actions(policy) == ["create", "version_drafted"]


def test_the_register_refuses_unknown_clauses_and_controls(db, catalog, isla):
    with pytest.raises(ValidationError) as caught:
        register.create_document(
            isla.ctx,
            {"title": "X", "kind": "policy", "clauses": ["5.2", "99.1"], "controls": ["A.9.9"]},
        )
    errors = caught.value.message_dict
    assert "99.1" in errors["clauses"][0]
    assert "A.9.9" in errors["controls"][0]
    assert not Document.objects.exists()


def test_a_title_and_kind_are_required_and_titles_unique(policy, isla):
    with pytest.raises(ValidationError) as caught:
        register.create_document(isla.ctx, {"title": "information SECURITY policy"})
    assert set(caught.value.message_dict) == {"title", "kind"}


def test_self_approval_is_refused_with_a_clear_message(policy, isla):
    version = policy.versions.get()
    versions.submit(isla.ctx, version)
    with pytest.raises(ValidationError) as caught:
        versions.approve(isla.ctx, version)
    assert "someone other than its author" in caught.value.messages[0]
    version.refresh_from_db()
    assert version.state == VersionState.IN_REVIEW
    assert "approved" not in actions(policy)


def test_a_draft_cannot_be_approved_before_review(policy, alice):
    with pytest.raises(ValidationError, match="submit it for review"):
        versions.approve(alice.ctx, policy.versions.get())


def test_approval_stores_the_text_as_evidence_and_in_the_ledger(approved, policy, alice):
    policy.refresh_from_db()
    assert policy.status == DocumentStatus.APPROVED
    assert policy.approved_version == approved
    assert approved.approved_by == alice.user
    assert policy.next_review == register.add_months(dt.date.today(), 12)
    evidence = approved.evidence
    assert evidence is not None
    assert evidence.current_version.filename == "DOC-001-v1.0.md"
    assert {c.id for c in evidence.controls.all()} == {"A.5.1"}
    entry = LedgerEntry.objects.filter(object_id=str(policy.uid), action="approved").get()
    data = json.loads(entry.data)
    assert data["sha256"] == evidence.current_version.sha256
    # The evidence's own entry carries the blob's hash.
    assert LedgerEntry.objects.filter(
        object_id=str(evidence.uid), blob_sha256=evidence.current_version.sha256
    ).exists()


def test_the_next_version_supersedes_the_approved_one(approved, policy, isla, alice):
    draft = versions.add_version(
        isla.ctx, policy, markdown="# Policy\n\nRevised.", change_summary="Scope widened."
    )
    assert draft.label == "1.1"
    policy.refresh_from_db()
    assert policy.status == DocumentStatus.APPROVED  # 1.0 is in force meanwhile
    with pytest.raises(ValidationError, match="still draft"):
        versions.add_version(isla.ctx, policy, markdown="again")
    versions.submit(isla.ctx, draft)
    versions.approve(alice.ctx, draft)
    approved.refresh_from_db()
    policy.refresh_from_db()
    assert approved.state == VersionState.SUPERSEDED
    assert policy.approved_version == draft
    major = versions.add_version(isla.ctx, policy, markdown="v2", major=True)
    assert major.label == "2.0"


def test_the_named_approver_approves(policy, isla, alice, catalog):
    from annexa.core.testing.fixtures import make_persona

    other = make_persona(policy.organization, "omar@acme.test", "owner")
    register.update_document(isla.ctx, policy, {"approver": other.user})
    version = policy.versions.get()
    versions.submit(isla.ctx, version)
    with pytest.raises(PermissionDenied, match="named approver"):
        versions.approve(alice.ctx, version)
    versions.approve(other.ctx, version)


def test_reviewers_record_their_review_and_drafts_go_back(policy, isla, colin, alice):
    register.update_document(isla.ctx, policy, {"reviewers": [colin.user]})
    version = policy.versions.get()
    versions.submit(isla.ctx, version)
    with pytest.raises(PermissionDenied):
        versions.record_review(alice.ctx, version)
    versions.record_review(colin.ctx, version, "Fine by me.")
    version.refresh_from_db()
    assert version.reviewed_by == colin.user
    versions.return_to_draft(alice.ctx, version, "Name the owner of each rule.")
    version.refresh_from_db()
    assert version.state == VersionState.DRAFT and version.reviewed_by is None
    versions.update_draft(isla.ctx, version, markdown="# Policy\n\nWith owners.")
    assert actions(policy)[-3:] == ["reviewed", "returned", "draft_changed"]


def test_viewers_and_control_owners_cannot_change_the_register(policy, vera, colin):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            register.update_document(persona.ctx, policy, {"title": "Mine"})


def test_a_stale_edit_is_refused(policy, isla):
    register.update_document(isla.ctx, policy, {"description": "Top policy."})
    with pytest.raises(register.StaleDocumentError):
        register.update_document(isla.ctx, policy, {"description": "Other"}, expected_version=1)


def test_retiring_withdraws_the_open_version(policy, isla):
    with pytest.raises(ValidationError):
        register.retire(isla.ctx, policy, "")
    register.retire(isla.ctx, policy, "Replaced by the group policy.")
    policy.refresh_from_db()
    assert policy.status == DocumentStatus.RETIRED
    assert policy.versions.get().state == VersionState.WITHDRAWN
    with pytest.raises(ValidationError):
        versions.add_version(isla.ctx, policy, markdown="x")


def test_reviews_due_and_overdue(approved, policy, isla):
    today = dt.date.today()
    assert register.review_state(policy, today) == ""
    Document.objects.filter(pk=policy.pk).update(next_review=today - dt.timedelta(days=1))
    policy.refresh_from_db()
    assert register.review_state(policy, today) == "overdue"
    assert list(register.due_for_review(policy.organization, today)) == [policy]
    filtered = register.apply_filters(Document.objects.all(), review="overdue", today=today)
    assert list(filtered) == [policy]
    register.confirm_review(isla.ctx, policy, "Still right.")
    policy.refresh_from_db()
    assert policy.next_review == register.add_months(today, 12)
    assert register.review_state(policy, today) == ""


def test_an_uploaded_file_is_stored_as_evidence(db, catalog, isla):
    document = register.create_document(
        isla.ctx,
        {"title": "Backup procedure", "kind": "procedure", "controls": ["A.8.13"]},
        upload=register.Upload(filename="backup.txt", chunks=[b"Nightly, kept 30 days.\n"]),
    )
    version = document.versions.get()
    assert version.content_kind == "file"
    assert version.evidence.current_version.filename == "backup.txt"


def test_add_months_keeps_the_month_end():
    assert register.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert register.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)
