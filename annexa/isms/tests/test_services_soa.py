import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.catalog.models import Control
from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import SoAEntry
from annexa.isms.services import StaleVersionError, ensure_soa, update_soa_entry
from annexa.isms.tests.conftest import ledger_count
from annexa.ledger.services import history

DECIDED = {
    "applicable": True,
    "justification": "Access rules are needed for the customer data platform.",
    "status": ImplementationStatus.PLANNED,
}


def test_it_creates_one_undecided_entry_per_control(acme, catalog):
    created = ensure_soa(acme)
    assert created == Control.objects.count() == 93
    entry = SoAEntry.objects.get(organization=acme, control_id="A.5.15")
    assert (entry.applicable, entry.status, entry.justification, entry.version) == (
        False,
        ImplementationStatus.NOT_STARTED,
        "",
        1,
    )
    assert ensure_soa(acme) == 0
    assert ledger_count(acme) == 1


def test_it_keeps_organizations_apart(soa, globex):
    ensure_soa(globex)
    assert SoAEntry.objects.for_org(globex).count() == 93
    assert SoAEntry.objects.count() == 186


def test_it_saves_a_decision_and_records_before_and_after(soa, isla, colin):
    entry = update_soa_entry(isla.ctx, "A.5.15", {**DECIDED, "control_owner": colin.user})
    assert entry.version == 2
    assert entry.updated_by == isla.user
    [record] = history(soa, "soa_entry", "A.5.15")
    data = json.loads(record.data)
    assert record.actor == "isla@acme.test"
    assert data["before"] == {
        "applicable": False,
        "justification": "",
        "status": "not_started",
        "control_owner": None,
    }
    assert data["after"]["control_owner"] == "colin@acme.test"
    assert data["after"]["status"] == "planned"
    assert data["version"] == 2


def test_it_requires_a_justification_for_inclusion(soa, isla):
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.5.1", {"applicable": True, "justification": "  "})
    assert "justification" in caught.value.message_dict
    assert "includes A.5.1" in caught.value.message_dict["justification"][0]


def test_it_requires_a_justification_for_exclusion(soa, isla):
    update_soa_entry(isla.ctx, "A.7.5", {**DECIDED})
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.7.5", {"applicable": False, "justification": ""})
    assert "excludes A.7.5" in caught.value.message_dict["justification"][0]
    assert SoAEntry.objects.get(organization=soa, control_id="A.7.5").applicable is True


def test_it_refuses_an_owner_who_is_not_a_member(soa, isla, oscar):
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.5.15", {**DECIDED, "control_owner": oscar.user})
    assert "not a member" in caught.value.message_dict["control_owner"][0]
    assert SoAEntry.objects.get(organization=soa, control_id="A.5.15").version == 1


def test_it_refuses_a_stale_version(soa, isla, alice):
    update_soa_entry(isla.ctx, "A.5.15", DECIDED, expected_version=1)
    before = ledger_count(soa)
    with pytest.raises(StaleVersionError) as caught:
        update_soa_entry(alice.ctx, "A.5.15", {"notes": "mine"}, expected_version=1)
    assert "isla@acme.test" in str(caught.value)
    assert "not saved" in str(caught.value)
    entry = SoAEntry.objects.get(organization=soa, control_id="A.5.15")
    assert (entry.notes, entry.version) == ("", 2)
    assert ledger_count(soa) == before


def test_it_does_nothing_when_nothing_changes(soa, isla):
    update_soa_entry(isla.ctx, "A.5.15", DECIDED)
    before = ledger_count(soa)
    entry = update_soa_entry(
        isla.ctx, "A.5.15", {**DECIDED, "justification": DECIDED["justification"] + "\r\n"}
    )
    assert entry.version == 2
    assert ledger_count(soa) == before


def test_it_refuses_roles_without_isms_change(soa, colin, vera):
    for persona in (colin, vera):
        with pytest.raises(PermissionDenied):
            update_soa_entry(persona.ctx, "A.5.15", DECIDED)


def test_it_refuses_unknown_values(soa, isla):
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.5.15", {**DECIDED, "status": "done"})
    assert "Unknown status" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.5.15", {"applicable": "yes"})
    assert "applicable" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        update_soa_entry(isla.ctx, "A.5.15", {"version": 9})
    assert "version" in caught.value.message_dict


def test_it_finds_no_entry_in_another_organization(soa, oscar):
    with pytest.raises(SoAEntry.DoesNotExist):
        update_soa_entry(oscar.ctx, "A.5.15", DECIDED)
