import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.isms.models import ContextIssue, InterestedParty, OrgUnit
from annexa.isms.services import (
    delete_issue,
    delete_party,
    delete_unit,
    save_issue,
    save_party,
    save_unit,
)
from annexa.isms.tests.conftest import ledger_count
from annexa.ledger.services import history

ISSUE = {
    "kind": "external",
    "description": "Heat waves strain the office cooling.",
    "effect": "Laptops and the network cabinet may overheat.",
    "climate_related": True,
}


def test_it_creates_changes_and_deletes_an_issue_with_ledger_entries(acme, isla):
    issue = save_issue(isla.ctx, ISSUE)
    assert issue.climate_related
    save_issue(isla.ctx, {"effect": "The cabinet may overheat."}, issue)
    delete_issue(isla.ctx, issue)
    records = list(history(acme, "context_issue", str(issue.uid)))
    assert [r.action for r in records] == ["create", "update", "delete"]
    update = json.loads(records[1].data)
    assert update["before"]["effect"] == ISSUE["effect"]
    assert update["after"]["effect"] == "The cabinet may overheat."
    assert json.loads(records[2].data)["after"] is None
    assert not ContextIssue.objects.exists()


def test_it_ignores_a_save_that_changes_nothing(acme, isla):
    issue = save_issue(isla.ctx, ISSUE)
    before = ledger_count(acme)
    save_issue(isla.ctx, {**ISSUE, "description": ISSUE["description"] + "  "}, issue)
    assert ledger_count(acme) == before


def test_it_names_the_fields_that_are_wrong(acme, isla):
    with pytest.raises(ValidationError) as caught:
        save_issue(isla.ctx, {**ISSUE, "kind": "cosmic", "description": ""})
    errors = caught.value.message_dict
    assert "kind" in errors
    assert errors["description"] == ["Describe the issue."]


def test_it_keeps_party_names_unique_per_organization(acme, isla, oscar):
    save_party(isla.ctx, {"name": "Customers", "requirements": "Availability."})
    with pytest.raises(ValidationError) as caught:
        save_party(isla.ctx, {"name": "customers"})
    assert "already taken" in caught.value.message_dict["name"][0]
    save_party(oscar.ctx, {"name": "Customers"})
    assert InterestedParty.objects.count() == 2


def test_it_changes_and_deletes_a_party(acme, isla):
    party = save_party(isla.ctx, {"name": "Regulator", "requirements": "Breach notice."})
    party = save_party(isla.ctx, {"relevant": False}, party)
    assert party.relevant is False
    delete_party(isla.ctx, party)
    records = list(history(acme, "interested_party", str(party.uid)))
    assert [r.action for r in records] == ["create", "update", "delete"]


def test_it_requires_a_unit_manager_who_is_a_member(acme, isla, colin, oscar):
    with pytest.raises(ValidationError) as caught:
        save_unit(isla.ctx, {"name": "Engineering", "kind": "unit", "manager": oscar.user})
    assert "not a member" in caught.value.message_dict["manager"][0]
    unit = save_unit(isla.ctx, {"name": "Engineering", "kind": "unit", "manager": colin.user})
    assert list(colin.user.managed_units.all()) == [unit]
    [record] = history(acme, "org_unit", str(unit.uid))
    assert json.loads(record.data)["after"]["manager"] == "colin@acme.test"
    delete_unit(isla.ctx, unit)
    assert not OrgUnit.objects.exists()


def test_it_refuses_unknown_fields_and_other_roles(acme, isla, colin):
    with pytest.raises(ValidationError) as caught:
        save_issue(isla.ctx, {**ISSUE, "organization": 7})
    assert "organization" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        save_issue(colin.ctx, ISSUE)


def test_it_cannot_touch_another_organizations_rows(acme, isla, oscar):
    issue = save_issue(isla.ctx, ISSUE)
    with pytest.raises(ContextIssue.DoesNotExist):
        save_issue(oscar.ctx, {"effect": "x"}, issue)
    with pytest.raises(ContextIssue.DoesNotExist):
        delete_issue(oscar.ctx, issue)
