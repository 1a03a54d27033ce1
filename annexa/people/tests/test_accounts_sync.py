"""Syncing one system's account list: create, update, no longer present, matching to people,
one ledger entry per sync, permissions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.ledger.models import LedgerEntry
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Account, Person
from annexa.people.services.accounts import AccountRecord, rematch, sync_system, systems


@pytest.fixture
def ada(acme):
    return Person.objects.create(
        organization=acme, name="Ada Byron", email="Ada@Acme.test", source=PersonSource.MANUAL
    )


def test_a_first_sync_creates_the_accounts_and_matches_them_by_address(isla, ada):
    result = sync_system(
        isla.ctx,
        "  Okta   production ",
        [
            AccountRecord("ada@acme.test", privileged=True, entitlements=("admin", "admin", "")),
            AccountRecord("svc-backup", enabled=False),
        ],
    )
    assert (result.system, result.created, result.unmatched) == ("Okta production", 2, 1)
    ada_account = Account.objects.get(username="ada@acme.test")
    assert ada_account.person == ada
    assert ada_account.entitlements == ["admin"]
    assert ada_account.source == AccountSource.CONNECTOR
    entry = LedgerEntry.objects.filter(organization=isla.ctx.org, object_type="account_list").get()
    assert entry.data_value["created"] == 2 and entry.data_value["unmatched"] == 1
    assert systems(isla.ctx.org) == ["Okta production"]


def test_a_second_sync_updates_keeps_and_marks_missing_accounts(isla, ada):
    sync_system(isla.ctx, "GitHub", [AccountRecord("ada"), AccountRecord("bob")])
    login = dt.datetime(2026, 11, 30, 8, 15)
    result = sync_system(
        isla.ctx,
        "GitHub",
        [AccountRecord("ada", email="ada@acme.test", last_login=login), AccountRecord("carol")],
    )
    assert (result.created, result.updated, result.unchanged, result.gone) == (1, 1, 0, 1)
    rows = {a.username: a for a in Account.objects.filter(system="GitHub")}
    assert rows["bob"].present is False
    assert rows["ada"].person == ada
    assert rows["ada"].last_login == login.replace(tzinfo=dt.UTC)
    again = sync_system(isla.ctx, "GitHub", [AccountRecord("carol")])
    assert again.unchanged == 1 and again.gone == 1  # ada gone now; bob was already gone


def test_duplicates_and_blank_names_are_refused_and_nothing_is_written(isla):
    with pytest.raises(ValidationError, match="listed twice"):
        sync_system(isla.ctx, "AWS", [AccountRecord("root"), AccountRecord("root")])
    with pytest.raises(ValidationError, match="system"):
        sync_system(isla.ctx, "  ", [AccountRecord("root")])
    assert not Account.objects.exists()


def test_people_added_later_are_matched_by_rematch(isla, acme):
    sync_system(isla.ctx, "Google", [AccountRecord("dan@acme.test")])
    dan = Person.objects.create(
        organization=acme, name="Dan", email="dan@acme.test", source=PersonSource.IMPORT
    )
    assert rematch(isla.ctx) == 1
    assert Account.objects.get().person == dan


def test_a_hint_matches_by_employee_id(isla, acme):
    eve = Person.objects.create(
        organization=acme, name="Eve", employee_id="E-7", source=PersonSource.IMPORT
    )
    sync_system(isla.ctx, "HR-linked", [AccountRecord("eve01", person_hint="E-7")])
    assert Account.objects.get().person == eve


def test_a_viewer_or_control_owner_may_not_sync(vera, colin):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            sync_system(persona.ctx, "AWS", [AccountRecord("root")])


def test_listeners_hear_of_a_sync_after_it_commits(isla, django_capture_on_commit_callbacks):
    from annexa.people.services import accounts

    heard = []
    accounts.register_sync_listener(lambda org, system: heard.append((org.slug, system)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sync_system(isla.ctx, "AWS", [AccountRecord("root")])
    finally:
        accounts._listeners.pop()
    assert heard == [(isla.ctx.org.slug, "AWS")]
