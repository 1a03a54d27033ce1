"""A management review from draft to sign-off: permissions, decisions becoming actions, the
frozen record and what the ledger keeps."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.actions.models import CorrectiveAction
from annexa.evidence.services import open_version
from annexa.ledger.models import LedgerEntry
from annexa.reviews import services
from annexa.reviews.models import ManagementReview
from annexa.reviews.tests.conftest import ready_to_sign

DUE = dt.date(2026, 9, 30)


def test_it_numbers_reviews_per_year_and_creates_one_input_per_item(review, isla):
    assert review.reference == "MR-2026-01"
    keys = list(
        review.inputs.order_by("requirement__sort_key").values_list("requirement_id", flat=True)
    )
    assert keys == [
        "9.3.2.a",
        "9.3.2.b",
        "9.3.2.c",
        "9.3.2.d.1",
        "9.3.2.d.2",
        "9.3.2.d.3",
        "9.3.2.d.4",
        "9.3.2.e",
        "9.3.2.f",
        "9.3.2.g",
    ]
    second = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    assert second.reference == "MR-2026-02"


def test_it_refuses_changes_to_those_without_the_permission(review, colin, vera, audrey):
    for persona in (colin, vera, audrey):
        with pytest.raises(PermissionDenied):
            services.assemble(persona.ctx, review)
        with pytest.raises(PermissionDenied):
            services.create_review(persona.ctx, title="x", planned_date="2026-01-01")


def test_it_names_the_field_of_bad_input(isla, catalog, oscar):
    with pytest.raises(ValidationError) as caught:
        services.create_review(isla.ctx, title="", planned_date="next week", chair=oscar.user)
    errors = caught.value.message_dict
    assert set(errors) == {"title", "planned_date", "chair"}
    assert "2026-06-30" in errors["planned_date"][0]
    assert "not members" in errors["chair"][0].lower()


def test_it_requires_an_owner_and_a_due_date_together(review, isla, colin, vera):
    with pytest.raises(ValidationError, match="due date"):
        services.add_decision(isla.ctx, review, kind="improvement", text="x", owner=colin.user)
    with pytest.raises(ValidationError, match="cannot work on actions"):
        services.add_decision(
            isla.ctx, review, kind="change", text="x", owner=vera.user, due_date=DUE
        )
    with pytest.raises(ValidationError, match="Choose one of"):
        services.add_decision(isla.ctx, review, kind="wish", text="x")


def test_it_turns_decisions_with_owners_into_actions_on_sign_off(review, isla, alice, colin):
    services.add_decision(
        isla.ctx,
        review,
        kind="resources",
        text="Hire a second security engineer.\nBudget approved by the board.",
        owner=colin.user,
        due_date=DUE,
    )
    services.add_decision(isla.ctx, review, kind="change", text="No change to the scope.")
    review = ready_to_sign(isla.ctx, review, [alice.user, colin.user])
    signed = services.sign_off(alice.ctx, review)
    assert signed.status == "signed_off" and signed.signed_off_by == alice.user
    first, second = signed.decisions.order_by("number")
    action = CorrectiveAction.objects.get(pk=first.action_id)
    assert (action.source, action.source_reference) == (
        "management_review",
        "MR-2026-01 decision 1",
    )
    assert (action.owner, action.due_date, action.status) == (colin.user, DUE, "open")
    assert action.title == "MR-2026-01 decision 1: Hire a second security engineer."
    assert second.action_id is None  # no owner: recorded, not tracked


def test_it_tracks_a_decision_before_sign_off_when_asked(review, isla, colin):
    decision = services.add_decision(
        isla.ctx,
        review,
        kind="improvement",
        text="Automate the access review.",
        owner=colin.user,
        due_date=DUE,
    )
    action = services.track_decision(isla.ctx, decision)
    assert services.track_decision(isla.ctx, decision) == action  # idempotent
    assert CorrectiveAction.objects.filter(source_reference="MR-2026-01 decision 1").count() == 1
    with pytest.raises(ValidationError, match=action.reference):
        services.update_decision(isla.ctx, decision, {"text": "Something else"})


def test_only_the_owner_signs_off(review, isla, alice):
    review = ready_to_sign(isla.ctx, review, [alice.user])
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    with pytest.raises(PermissionDenied):
        services.sign_off(isla.ctx, review)
    from annexa.core.tenancy import OrgContext

    with pytest.raises(PermissionDenied, match="named member"):
        services.sign_off(OrgContext.system(review.organization), review)
    assert services.sign_off(alice.ctx, review).status == "signed_off"


def test_it_lists_what_blocks_the_sign_off(review, isla, alice):
    with pytest.raises(ValidationError) as caught:
        services.sign_off(alice.ctx, review)
    problems = " ".join(caught.value.message_dict["sign_off"])
    for expected in ("held", "attended", "9.3.2.f", "decision", "conclusion"):
        assert expected in problems


def test_nobody_edits_a_signed_off_review(review, isla, alice, colin):
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    review = services.sign_off(alice.ctx, ready_to_sign(isla.ctx, review, [alice.user]))
    row = review.inputs.first()
    decision = review.decisions.get()
    attempts = [
        lambda: services.update_review(alice.ctx, review, {"title": "Changed"}),
        lambda: services.assemble(alice.ctx, review),
        lambda: services.update_input(alice.ctx, row, notes="later"),
        lambda: services.add_decision(alice.ctx, review, kind="change", text="x"),
        lambda: services.update_decision(alice.ctx, decision, {"text": "x"}),
        lambda: services.delete_decision(alice.ctx, decision),
        lambda: services.hold_review(alice.ctx, review),
        lambda: services.sign_off(alice.ctx, review),
    ]
    for attempt in attempts:
        with pytest.raises(services.SignedOff, match="no longer changes"):
            attempt()
    assert ManagementReview.objects.get(pk=review.pk).title == "Spring management review"


def test_inputs_freeze_when_held_but_notes_stay_open(review, isla):
    services.assemble(isla.ctx, review)
    review = services.hold_review(isla.ctx, review)
    row = review.inputs.get(requirement_id="9.3.2.a")
    with pytest.raises(ValidationError, match="draft"):
        services.update_input(isla.ctx, row, summary="Rewritten after the meeting")
    with pytest.raises(ValidationError, match="draft"):
        services.assemble(isla.ctx, review)
    row = services.update_input(isla.ctx, row, notes="The board asked for monthly updates.")
    assert row.notes == "The board asked for monthly updates."


def test_it_refuses_to_hold_a_review_whose_inputs_were_never_assembled(review, isla):
    with pytest.raises(ValidationError, match="Assemble the inputs"):
        services.hold_review(isla.ctx, review)


def test_the_ledger_keeps_the_complete_record_and_the_minutes_hashes(review, isla, alice, colin):
    services.add_decision(
        isla.ctx,
        review,
        kind="improvement",
        text="Automate the access review.",
        owner=colin.user,
        due_date=DUE,
    )
    review = services.sign_off(alice.ctx, ready_to_sign(isla.ctx, review, [alice.user, colin.user]))
    entry = LedgerEntry.objects.get(
        organization=review.organization, object_id=str(review.uid), action="sign_off"
    )
    data = json.loads(entry.data)
    record = data["record"]
    assert record["signed_off_by"] == "alice@acme.test"
    assert record["attendees"] == ["alice@acme.test", "colin@acme.test"]
    assert record["external_attendees"] == ["Dana External, certification consultant"]
    assert len(record["inputs"]) == 10 and record["inputs"][0]["requirement"] == "9.3.2.a"
    assert all("assembled" in i and "summary" in i for i in record["inputs"])
    assert record["decisions"][0]["action"] == "CA-0001"
    for fmt, version in (("pdf", review.minutes_pdf), ("docx", review.minutes_docx)):
        with open_version(version) as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        assert data["minutes"][fmt]["sha256"] == digest == version.sha256
        assert LedgerEntry.objects.filter(
            organization=review.organization, object_type="evidence", blob_sha256=digest
        ).exists()
    assert entry.blob_sha256 == review.minutes_pdf.sha256
    assert review.minutes_pdf.evidence.requirements.filter(id="9.3.3").exists()
