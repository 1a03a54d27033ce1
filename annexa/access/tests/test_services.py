"""Access reviews through their services: opening, deciding, self-review, revocations,
closing with the decision record in the evidence locker and the ledger."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.access import services
from annexa.access.choices import ReviewerMode, Revocation
from annexa.access.tests.conftest import SYSTEM, item, payroll_records
from annexa.core.testing.fixtures import make_persona
from annexa.evidence.services import open_version
from annexa.ledger.models import LedgerEntry
from annexa.orgs.choices import Role
from annexa.people.choices import AccountSource
from annexa.people.services.accounts import AccountRecord, sync_system

pytestmark = pytest.mark.django_db


def test_it_snapshots_every_account_and_flags_orphans(review, colin):
    rows = {i.username: i for i in review.items.all()}
    assert set(rows) == {"admin", "colin", "lee", "pat"}
    assert review.reference == "AR-001"
    assert rows["admin"].orphan == "no_person" and rows["admin"].privileged
    assert rows["lee"].orphan == "left" and rows["lee"].person_name == "Lee Leaver"
    assert rows["pat"].orphan == "" and rows["pat"].entitlements == ["clerk"]
    assert all(i.reviewer == colin.user for i in rows.values())
    assert rows["colin"].self_review and not rows["pat"].self_review
    assert services.progress(review) | {} == {
        "accounts": 4,
        "decided": 0,
        "undecided": 4,
        "awaiting_confirmation": 0,
        "orphans": 2,
        "privileged": 1,
        "kept": 0,
        "revoked": 0,
        "revocation_pending": 0,
        "revocation_done": 0,
        "revocation_verified": 0,
    }


def test_the_snapshot_stays_when_the_account_changes(review, isla):
    sync_system(isla.ctx, SYSTEM, payroll_records(pat=AccountRecord("pat", entitlements=("boss",))))
    assert item(review, "pat").entitlements == ["clerk"]


def test_it_refuses_a_system_without_accounts(isla, colin):
    with pytest.raises(ValidationError) as caught:
        services.create_review(
            isla.ctx,
            system="Nowhere",
            reviewer_mode=ReviewerMode.SYSTEM_OWNER,
            system_owner=colin.user,
            due_date=timezone.localdate(),
        )
    message = caught.value.message_dict["system"][0]
    assert "connector" in message and "import its account list" in message


def test_it_refuses_a_second_open_campaign_and_a_reviewer_who_may_not_review(review, isla, vera):
    for owner, field in ((isla.user, "system"), (vera.user, "system_owner")):
        with pytest.raises(ValidationError) as caught:
            services.create_review(
                isla.ctx,
                system=SYSTEM,
                reviewer_mode=ReviewerMode.SYSTEM_OWNER,
                system_owner=owner,
                due_date=timezone.localdate(),
            )
        assert field in caught.value.message_dict


def test_managers_review_their_reports_and_the_owner_the_rest(payroll, isla, colin):
    review = services.create_review(
        isla.ctx,
        system=SYSTEM,
        reviewer_mode=ReviewerMode.MANAGER,
        system_owner=colin.user,
        due_date=timezone.localdate(),
    )
    assert item(review, "pat").reviewer == isla.user  # Pat's manager
    assert item(review, "admin").reviewer == colin.user  # nobody's: the system owner
    assert item(review, "lee").reviewer == colin.user  # no manager


def test_a_revocation_and_keeping_privileged_or_orphan_access_need_a_reason(review, colin):
    for username, decision in (("pat", "revoke"), ("admin", "keep"), ("lee", "keep")):
        with pytest.raises(ValidationError) as caught:
            services.decide(colin.ctx, item(review, username), decision)
        assert "reason" in caught.value.message_dict, username
    services.decide(colin.ctx, item(review, "pat"), "keep")
    kept = services.decide(colin.ctx, item(review, "admin"), "keep", reason="Break-glass account")
    assert kept.is_decided and kept.decided_by == colin.user and kept.decided_at
    revoked = services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left in March")
    assert revoked.revocation == Revocation.PENDING


def test_only_the_reviewer_decides(review, isla, acme):
    other = make_persona(acme, "carla@acme.test", Role.CONTROL_OWNER)
    for ctx in (other.ctx, isla.ctx):
        with pytest.raises(PermissionDenied):
            services.decide(ctx, item(review, "pat"), "keep")
    assert item(review, "pat").decision == ""


def test_self_review_needs_a_justification_and_a_second_reviewer(review, colin, isla, acme):
    own = item(review, "colin")
    with pytest.raises(ValidationError) as caught:
        services.decide(colin.ctx, own, "keep")
    assert "own account" in caught.value.message_dict["justification"][0]
    decided = services.decide(
        colin.ctx, own, "keep", justification="I am the only payroll administrator on leave cover"
    )
    assert decided.awaiting_confirmation and not decided.is_decided
    assert services.progress(review)["awaiting_confirmation"] == 1
    with pytest.raises(ValidationError):
        services.confirm(colin.ctx, decided)  # not the one who decided (and holds it)
    confirmed = services.confirm(isla.ctx, decided)
    assert confirmed.is_decided and confirmed.confirmed_by == isla.user
    actions = list(
        LedgerEntry.objects.filter(object_id=str(review.uid)).values_list("action", flat=True)
    )
    assert actions[-2:] == ["decided", "confirmed"]


def test_a_closed_review_refuses_with_undecided_accounts(review, isla, colin):
    services.decide(colin.ctx, item(review, "pat"), "keep")
    with pytest.raises(ValidationError) as caught:
        services.close(isla.ctx, review)
    message = caught.value.messages[0]
    assert message.endswith("3 accounts not decided yet.")
    services.decide(colin.ctx, item(review, "colin"), "keep", justification="Cover")
    services.decide(colin.ctx, item(review, "admin"), "keep", reason="Break-glass")
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left")
    with pytest.raises(ValidationError) as caught:
        services.close(isla.ctx, review)
    assert "1 awaiting a second reviewer" in caught.value.messages[0]
    review.refresh_from_db()
    assert review.is_open and review.evidence is None


def _decide_all(review, colin, isla):
    services.decide(colin.ctx, item(review, "pat"), "keep")
    services.decide(colin.ctx, item(review, "colin"), "keep", justification="Cover")
    services.confirm(isla.ctx, item(review, "colin"))
    services.decide(colin.ctx, item(review, "admin"), "keep", reason="Break-glass")
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left in March")


def test_the_closed_record_is_in_the_locker_and_the_ledger(review, isla, colin, catalog):
    _decide_all(review, colin, isla)
    with pytest.raises(services.StaleReviewError):
        services.close(isla.ctx, review, expected_version=review.version + 1)
    closed = services.close(isla.ctx, review, expected_version=review.version)
    assert closed.status == "closed" and closed.closed_by == isla.user
    version = closed.evidence.current_version
    with open_version(version) as handle:
        body = handle.read()
    assert hashlib.sha256(body).hexdigest() == version.sha256
    record = json.loads(body)
    rows = {row["account"]: row for row in record["accounts"]}
    assert rows["lee"]["decision"] == "revoke" and rows["lee"]["reason"] == "Left in March"
    assert rows["lee"]["decided_by"] == "colin@acme.test" and rows["lee"]["decided_at"]
    assert rows["lee"]["revocation"] == "pending" and rows["lee"]["orphan"] == "Person has left"
    assert rows["colin"]["confirmed_by"] == "isla@acme.test"
    assert record["summary"]["revoked"] == 1 and record["closed_by"] == "isla@acme.test"
    assert sorted(c.id for c in closed.evidence.controls.all()) == ["A.5.15", "A.5.18", "A.8.2"]
    entry = LedgerEntry.objects.filter(object_id=str(review.uid), action="closed").get()
    assert entry.blob_sha256 == version.sha256
    data = json.loads(entry.data)
    assert data["evidence"] == str(closed.evidence.uid)
    with open_version(closed.record_csv.current_version) as handle:
        table = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert data["csv_sha256"] == closed.record_csv.current_version.sha256
    assert {r["account"]: r["decision"] for r in table} == {
        "admin": "keep",
        "colin": "keep",
        "lee": "revoke",
        "pat": "keep",
    }
    with pytest.raises(ValidationError):
        services.decide(colin.ctx, item(review, "pat"), "revoke", reason="Too late")


def test_a_revocation_is_verified_by_the_next_read_of_the_system(
    review, isla, colin, catalog, django_capture_on_commit_callbacks
):
    _decide_all(review, colin, isla)
    services.close(isla.ctx, review)
    lee = services.mark_revoked(colin.ctx, item(review, "lee"), "Ticket HR-1234")
    assert lee.revocation == Revocation.DONE and lee.revoked_by == colin.user
    with django_capture_on_commit_callbacks(execute=True):
        sync_system(isla.ctx, SYSTEM, payroll_records())  # still enabled: nothing verified
    assert item(review, "lee").revocation == Revocation.DONE
    disabled = AccountRecord(username="lee", email="lee@acme.test", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        sync_system(isla.ctx, SYSTEM, payroll_records(lee=disabled), source=AccountSource.IMPORT)
    lee = item(review, "lee")
    assert lee.revocation == Revocation.VERIFIED and lee.verified_how == "disabled in the system"
    assert LedgerEntry.objects.filter(object_id=str(review.uid), action="revocation_verified")


def test_a_pending_revocation_is_verified_when_the_account_is_gone(
    review, isla, colin, django_capture_on_commit_callbacks
):
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left")
    with django_capture_on_commit_callbacks(execute=True):
        sync_system(isla.ctx, SYSTEM, payroll_records(lee=None))
    lee = item(review, "lee")
    assert lee.revocation == Revocation.VERIFIED
    assert lee.verified_how == "no longer listed by the system"
    assert services.progress(review)["revocation_verified"] == 1


def test_marking_a_revocation_needs_a_decided_revocation(review, colin):
    with pytest.raises(ValidationError):
        services.mark_revoked(colin.ctx, item(review, "pat"))


def test_refreshing_items_adds_drops_and_reopens_what_changed(review, isla, colin):
    services.decide(colin.ctx, item(review, "pat"), "keep")
    sync_system(
        isla.ctx,
        SYSTEM,
        payroll_records(
            pat=AccountRecord("pat", email="pat@acme.test", entitlements=("clerk", "approver")),
            admin=None,
            new=AccountRecord("new", entitlements=("clerk",)),
        ),
    )
    figures = services.refresh_items(isla.ctx, review)
    assert figures == {"added": 1, "refreshed": 3, "dropped": 1, "undecided_again": 1}
    pat = item(review, "pat")
    assert pat.decision == "" and pat.entitlements == ["approver", "clerk"]
    assert set(review.items.values_list("username", flat=True)) == {"colin", "lee", "new", "pat"}


def test_the_lists_counted_figures_match_the_campaigns_own(review, colin, isla, acme):
    def both() -> tuple[dict, dict]:
        counted = services.with_progress(services.reviews(acme)).get(pk=review.pk)
        fresh = services.reviews(acme).get(pk=review.pk)
        return services.progress(counted), services.progress(fresh)

    counted, own = both()
    assert counted == own and counted["undecided"] == 4
    services.decide(colin.ctx, item(review, "pat"), "keep")
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left")
    services.decide(
        colin.ctx, item(review, "colin"), "revoke", reason="Cover ended", justification="Mine"
    )
    counted, own = both()
    assert counted == own
    assert (counted["kept"], counted["revoked"], counted["awaiting_confirmation"]) == (1, 1, 1)
    assert counted["revocation_pending"] == 2 and counted["undecided"] == 1
    services.confirm(isla.ctx, item(review, "colin"))
    services.mark_revoked(colin.ctx, item(review, "lee"), "Ticket HR-1234")
    counted, own = both()
    assert counted == own
    assert (counted["decided"], counted["revoked"], counted["revocation_done"]) == (3, 2, 1)
    assert counted["revocation_pending"] == 1 and counted["awaiting_confirmation"] == 0
