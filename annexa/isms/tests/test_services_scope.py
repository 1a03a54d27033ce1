import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.isms.models import ScopeStatement
from annexa.isms.services import approve_scope, save_scope, save_unit
from annexa.isms.tests.conftest import ledger_count
from annexa.ledger.services import history

TEXT = "The ISMS covers the **development and operation** of the Acme platform."


def test_it_adds_a_version_on_every_change(acme, isla):
    first = save_scope(isla.ctx, text=TEXT)
    second = save_scope(isla.ctx, text=TEXT, boundaries="Office network and cloud accounts.")
    assert (first.version, second.version) == (1, 2)
    assert ScopeStatement.current(acme) == second
    assert second.created_by == isla.user
    first.refresh_from_db()
    assert first.boundaries == ""  # earlier versions are never edited


def test_it_keeps_the_current_version_when_nothing_changed(acme, isla):
    first = save_scope(isla.ctx, text=TEXT)
    before = ledger_count(acme)
    assert save_scope(isla.ctx, text=TEXT + "\n") == first
    assert ledger_count(acme) == before


def test_it_records_units_and_exclusions(acme, isla):
    unit = save_unit(isla.ctx, {"name": "Production AWS", "kind": "system"})
    scope = save_scope(
        isla.ctx,
        text=TEXT,
        units=[unit],
        exclusions=[{"item": "Payroll", "reason": "Run by an external bureau."}],
    )
    assert scope.in_scope == [{"uid": str(unit.uid), "name": "Production AWS", "kind": "system"}]
    assert scope.exclusions == [{"item": "Payroll", "reason": "Run by an external bureau."}]
    [record] = history(acme, "scope_statement", str(scope.uid))
    data = json.loads(record.data)
    assert data["before"] is None
    assert data["after"]["in_scope"][0]["name"] == "Production AWS"


def test_it_refuses_exclusions_without_a_reason_and_an_empty_text(acme, isla):
    with pytest.raises(ValidationError) as caught:
        save_scope(isla.ctx, text=" ", exclusions=[{"item": "Payroll", "reason": ""}])
    errors = caught.value.message_dict
    assert "Describe the scope" in errors["text"][0]
    assert "Payroll" in errors["exclusions"][0]
    assert not ScopeStatement.objects.exists()


def test_it_refuses_units_of_another_organization(acme, isla, oscar):
    theirs = save_unit(oscar.ctx, {"name": "Globex HQ", "kind": "location"})
    with pytest.raises(ValidationError) as caught:
        save_scope(isla.ctx, text=TEXT, units=[theirs])
    assert "units" in caught.value.message_dict


def test_it_approves_the_current_version_once(acme, isla, alice):
    save_scope(isla.ctx, text=TEXT)
    scope = approve_scope(alice.ctx, version=1)
    assert scope.approved_by == alice.user
    assert scope.is_approved
    with pytest.raises(ValidationError) as caught:
        approve_scope(isla.ctx)
    assert "already approved by alice@acme.test" in caught.value.messages[0]
    record = list(history(acme, "scope_statement", str(scope.uid)))[-1]
    assert record.action == "approve"
    assert json.loads(record.data)["after"]["approved_by"] == "alice@acme.test"


def test_it_approves_only_the_current_version(acme, isla):
    save_scope(isla.ctx, text=TEXT)
    save_scope(isla.ctx, text=TEXT + " And the office.")
    with pytest.raises(ValidationError) as caught:
        approve_scope(isla.ctx, version=1)
    assert "current version (v2)" in caught.value.messages[0]


def test_it_needs_an_approver_who_is_a_member(acme, isla, oscar):
    from annexa.core.tenancy import OrgContext

    save_scope(isla.ctx, text=TEXT)
    with pytest.raises(ValidationError):
        approve_scope(OrgContext.system(acme))
    with pytest.raises(ValidationError) as caught:
        approve_scope(OrgContext.system(acme), approver=oscar.user)
    assert "not a member" in caught.value.messages[0]


def test_it_refuses_scope_changes_to_other_roles(acme, audrey, vera):
    for persona in (audrey, vera):
        with pytest.raises(PermissionDenied):
            save_scope(persona.ctx, text=TEXT)


def test_its_author_may_not_approve_it_and_is_told_who_may(acme, isla, alice, colin):
    save_scope(isla.ctx, text=TEXT)
    before = ledger_count(acme)
    with pytest.raises(ValidationError) as caught:
        approve_scope(isla.ctx, version=1)
    [message] = caught.value.message_dict["approved_by"]
    assert message.startswith("You wrote version 1 of the scope, so you may not approve it")
    assert "someone other than its author" in message and "Another Owner or ISMS manager" in message
    # who may: the managers other than the author (not a control owner, who may not change it)
    assert "Alice Owner (alice@acme.test, Owner)" in message
    assert "isla@acme.test" not in message and "colin" not in message
    assert not ScopeStatement.current(acme).is_approved
    assert ledger_count(acme) == before

    # nor approve it by another hand, nor record someone else's approval of what they wrote
    from annexa.core.tenancy import OrgContext

    with pytest.raises(ValidationError) as caught:
        approve_scope(OrgContext.system(acme), approver=isla.user)
    assert "Isla Manager (isla@acme.test) wrote version 1" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        approve_scope(isla.ctx, approver=alice.user)
    assert "may not record an approval of it for Alice Owner" in caught.value.messages[0]
    assert not ScopeStatement.current(acme).is_approved

    # a new version by someone else: its author changes, and so does who may approve it
    save_scope(alice.ctx, text=TEXT + " And the office.")
    with pytest.raises(ValidationError):
        approve_scope(alice.ctx)
    assert approve_scope(isla.ctx, version=2).approved_by == isla.user


def test_it_says_when_nobody_else_may_approve(acme, isla, colin):
    save_scope(isla.ctx, text=TEXT)
    with pytest.raises(ValidationError) as caught:
        approve_scope(isla.ctx)
    assert (
        "Nobody else can approve it yet: add another Owner or ISMS manager"
        in caught.value.messages[0]
    )
