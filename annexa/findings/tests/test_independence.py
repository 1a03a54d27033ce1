"""Every change to a finding follows the independence rules, not only opening and closing.

The hole these tests close: an auditor who owned the control of a major nonconformity raised by
someone else could regrade it to an opportunity for improvement, or withdraw a draft about their
own control, and the change went through.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.findings import services
from annexa.findings.choices import FindingStatus
from annexa.findings.tests.conftest import ledger_actions
from annexa.ledger.models import LedgerEntry

BASE = "/api/v1/orgs/acme/findings/"


@pytest.fixture
def owned_by_alice(soa, alice):
    """A.8.5's SoA owner is Alice, who may raise findings (an owner, like an auditor would)."""
    soa.control_owner = alice.user
    soa.save()
    return soa


def test_the_control_owner_can_neither_regrade_nor_edit_a_finding_on_their_control(
    open_nc, owned_by_alice, alice
):
    with pytest.raises(PermissionDenied, match=r"SoA control owner of A\.8\.5"):
        services.update_finding(alice.ctx, open_nc, {"grade": "ofi"}, reason="Not that bad.")
    with pytest.raises(PermissionDenied, match=r"SoA control owner of A\.8\.5"):
        services.update_finding(alice.ctx, open_nc, {"statement": "All fine after all."})
    open_nc.refresh_from_db()
    assert open_nc.grade == "major_nc"


def test_the_control_owner_cannot_withdraw_a_draft_about_their_control(
    draft, owned_by_alice, alice, audrey
):
    with pytest.raises(PermissionDenied, match=r"SoA control owner of A\.8\.5"):
        services.withdraw_finding(alice.ctx, draft, "A false alarm.")
    # its raiser still may: a draft is theirs until someone opens it
    assert services.withdraw_finding(audrey.ctx, draft, "Raised twice.").status == "withdrawn"


def test_nobody_moves_a_finding_onto_a_control_they_own(open_nc, alice, isla, owned_by_alice):
    from annexa.isms.models import SoAEntry

    # Isla owns nothing of this finding; moving it onto a control she owns is refused
    SoAEntry.objects.filter(pk=owned_by_alice.pk).update(control_owner=isla.user)
    with pytest.raises(PermissionDenied, match="SoA control owner"):
        services.update_finding(isla.ctx, open_nc, {"title": "Renamed"})


def test_an_auditee_cannot_change_the_finding_about_them(open_nc, isla):
    open_nc.auditees.add(isla.user)
    with pytest.raises(PermissionDenied, match="one of its auditees"):
        services.update_finding(isla.ctx, open_nc, {"title": "Minor thing"})


def test_regrading_an_open_finding_needs_someone_independent_and_a_reason(
    open_nc, audrey, alice, acme
):
    with pytest.raises(PermissionDenied, match="you are its raiser"):
        services.update_finding(audrey.ctx, open_nc, {"grade": "minor_nc"}, reason="Smaller.")
    with pytest.raises(ValidationError) as caught:
        services.update_finding(alice.ctx, open_nc, {"grade": "minor_nc"})
    assert "reason" in caught.value.message_dict
    open_nc.refresh_from_db()
    assert open_nc.grade == "major_nc" and open_nc.status == FindingStatus.OPEN

    regraded = services.update_finding(
        alice.ctx, open_nc, {"grade": "minor_nc"}, reason="Only one admin, already fixed."
    )
    assert regraded.grade == "minor_nc"
    assert ledger_actions(acme, "finding")[-1] == "regrade"
    entry = LedgerEntry.objects.filter(organization=acme, action="regrade").get()
    data = json.loads(entry.data)
    assert data["reason"] == "Only one admin, already fixed."
    assert data["before"]["grade"] == "major_nc" and data["after"]["grade"] == "minor_nc"
    assert entry.actor == alice.user.email


def test_the_api_refuses_the_control_owners_regrade_and_withdrawal(
    client_for, open_nc, owned_by_alice, alice, draft
):
    client = client_for(alice)
    regrade = client.patch(
        f"{BASE}{open_nc.pk}/",
        {"grade": "ofi", "reason": "Not that bad."},
        content_type="application/json",
    )
    assert regrade.status_code == 403
    assert "SoA control owner" in regrade.json()["detail"]
    open_nc.refresh_from_db()
    assert open_nc.grade == "major_nc"


def test_the_api_asks_for_a_reason_when_an_open_findings_grade_changes(client_for, open_nc, alice):
    client = client_for(alice)
    refused = client.patch(
        f"{BASE}{open_nc.pk}/", {"grade": "minor_nc"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "reason" in refused.json()
    done = client.patch(
        f"{BASE}{open_nc.pk}/",
        {"grade": "minor_nc", "reason": "One account only."},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["grade"] == "minor_nc"


def test_the_edit_page_shows_why_an_owner_may_not_change_it(
    client_for, open_nc, owned_by_alice, alice
):
    page = client_for(alice).post(
        f"/o/acme/findings/{open_nc.pk}/edit/",
        {"grade": "ofi", "statement": "Fine.", "reason": "Not that bad."},
    )
    assert page.status_code == 403
    assert "SoA control owner of A.8.5" in page.content.decode()
