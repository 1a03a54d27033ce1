"""The identity snapshot contract: what check_identity_data accepts and refuses, the helpers
connectors use to follow it, and the typed reading the control tests and feeds use."""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest

from annexa.connectors import kinds
from annexa.connectors.formats import snapshot
from annexa.connectors.identity import schema


def user(username: str, **changes) -> dict:
    record = {
        "id": f"id-{username}",
        "username": username,
        "email": username if "@" in username else "",
        "name": username.split("@")[0].title(),
        "state": "active",
        "enabled": True,
        "mfa_enrolled": True,
        "mfa_methods": ["push"],
        "last_sign_in": "2026-11-30T08:15:00Z",
        "created": "2025-01-02T09:00:00Z",
        "admin_roles": [],
        "groups": ["Everyone"],
        "department": "",
        "title": "",
        "employee_id": "",
        "manager": "",
        "external": False,
    }
    record.update(changes)
    return record


def valid() -> dict:
    return {
        "provider": "okta",
        "tenant": "kestrel.okta.com",
        "users": [
            user("ada@kestrel.example", admin_roles=["Super Administrator"]),
            user("bob@kestrel.example", state="deprovisioned", enabled=False, mfa_enrolled=None),
        ],
        "groups": [{"id": "g1", "name": "Everyone", "member_count": 2}],
        "admin_roles": [
            {"id": "SUPER_ADMIN", "name": "Super Administrator", "members": ["ada@kestrel.example"]}
        ],
        "mfa_policy": {"enforced_for_all": True, "enforced_for_admins": None, "detail": "x"},
        "unreadable": {},
    }


def test_a_reading_that_follows_the_contract_has_no_problems():
    assert schema.check_identity_data(valid()) == []
    empty = {**valid(), "users": [], "groups": [], "admin_roles": []}
    assert schema.check_identity_data(empty) == []


def _broken(change) -> list[str]:
    data = copy.deepcopy(valid())
    change(data)
    return schema.check_identity_data(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("unreadable"), "the data lacks unreadable"),
        (lambda d: d.update(extra=1), "the data has unknown keys extra"),
        (lambda d: d.update(provider="ldap"), "provider must be one of okta, entra, google"),
        (lambda d: d.update(tenant=" "), "tenant must not be empty"),
        (lambda d: d.update(users={}), "users must be a list, not dict"),
        (lambda d: d["users"].append(3), "users[2] must be an object, not int"),
        (lambda d: d["users"].reverse(), "users must be sorted by username"),
        (lambda d: d["users"][1].update(id="id-ada@kestrel.example"), "users repeats the id"),
        (lambda d: d["users"][0].pop("external"), "users[0] lacks external"),
        (lambda d: d["users"][0].update(role="x"), "users[0] has unknown keys role"),
        (lambda d: d["users"][0].update(state="ACTIVE"), "users[0].state must be one of"),
        (lambda d: d["users"][0].update(enabled="yes"), "users[0].enabled must be true or false"),
        (lambda d: d["users"][1].update(enabled=True), "users[1] is deprovisioned and cannot"),
        (lambda d: d["users"][0].update(mfa_enrolled=1), "mfa_enrolled must be true, false or"),
        (lambda d: d["users"][0].update(groups=["b", "a"]), "users[0].groups must be sorted"),
        (lambda d: d["users"][0].update(mfa_methods=["a", "a"]), "must not repeat a value"),
        (lambda d: d["users"][0].update(admin_roles="x"), "admin_roles must be a list of strings"),
        (lambda d: d["users"][0].update(name=None), "users[0].name must be a string, not null"),
        (lambda d: d["users"][0].update(username=""), "users[0].username must not be empty"),
        (
            lambda d: d["users"][0].update(last_sign_in="2026-11-30T08:15:00.000Z"),
            "last_sign_in must be an ISO 8601 UTC time",
        ),
        (
            lambda d: d["users"][0].update(created="2026-11-30T08:15:00+02:00"),
            "created must be an ISO 8601 UTC time",
        ),
        (lambda d: d["users"][0].update(created="2026-13-30T08:15:00Z"), "created must be an"),
        (lambda d: d["groups"][0].update(member_count=-1), "member_count must be a whole number"),
        (lambda d: d["groups"][0].update(member_count=True), "member_count must be a whole"),
        (lambda d: d["groups"].insert(0, {**d["groups"][0], "name": "Z"}), "groups must be sorted"),
        (lambda d: d["admin_roles"][0].update(members=["z", "a"]), "members must be sorted"),
        (lambda d: d["admin_roles"][0].pop("id"), "admin_roles[0] lacks id"),
        (lambda d: d.update(mfa_policy=None), "mfa_policy must be an object"),
        (lambda d: d["mfa_policy"].update(enforced_for_all="on"), "enforced_for_all must be"),
        (lambda d: d["mfa_policy"].pop("detail"), "mfa_policy lacks detail"),
        (lambda d: d.update(unreadable={"roles": 403}), "unreadable must be an object of strings"),
    ],
)
def test_every_departure_from_the_contract_is_named(change, message):
    problems = _broken(change)
    assert any(message in problem for problem in problems), problems


def test_data_that_is_not_an_object_is_refused_in_one_sentence():
    assert schema.check_identity_data([]) == ["the data must be an object, not list"]


def test_a_long_list_of_problems_is_cut_short_with_a_count():
    data = valid()
    data["users"] = [user(f"u{i}", state="?") for i in range(80)]
    problems = schema.check_identity_data(data)
    assert len(problems) == schema.MAX_PROBLEMS + 1
    assert problems[-1].startswith("… and ") and problems[-1].endswith("more problems")


def test_finish_sorts_what_the_contract_sorts():
    data = valid()
    data["users"].reverse()
    data["users"][0]["groups"] = ["b", "a", "a"]
    data["groups"] = [
        {"id": "g2", "name": "Zeta", "member_count": 0},
        {"id": "g1", "name": "Alpha", "member_count": 1},
    ]
    data["admin_roles"][0]["members"] = ["z", "a"]
    assert schema.check_identity_data(data) != []
    assert schema.check_identity_data(schema.finish(data)) == []
    assert data["users"][1]["groups"] == ["a", "b"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-30T08:15:00.000Z", "2026-11-30T08:15:00Z"),
        ("2026-11-30T10:15:00.123456+02:00", "2026-11-30T08:15:00Z"),
        (dt.datetime(2026, 11, 30, 8, 15, 7, 999, tzinfo=dt.UTC), "2026-11-30T08:15:07Z"),
        (None, None),
        ("", None),
    ],
)
def test_provider_times_become_the_contracts_form(value, expected):
    assert schema.iso_utc(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2026-11-30T08:15:00"])
def test_unreadable_or_zoneless_times_are_refused(value):
    with pytest.raises(ValueError, match="time"):
        schema.iso_utc(value)


def test_the_typed_reading_gives_times_admins_and_addresses():
    identity = schema.read_identity(valid())
    assert identity.where == "Okta kestrel.okta.com"
    ada, bob = identity.users
    assert ada.is_admin and not bob.is_admin
    assert ada.last_sign_in == dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.UTC)
    assert ada.addresses == {"ada@kestrel.example"}
    assert identity.enabled_users == (ada,) and identity.enabled_admins == (ada,)
    assert identity.by_address()["bob@kestrel.example"] == [bob]
    now = dt.datetime(2026, 12, 30, 8, 15, tzinfo=dt.UTC)
    assert ada.days_without_sign_in(now) == 30
    never = schema.read_identity({**valid(), "users": [user("c", last_sign_in=None)]}).users[0]
    assert never.days_without_sign_in(now) == (now - never.created).days
    assert identity.admin_roles[0].members == ("ada@kestrel.example",)
    assert identity.mfa_policy.enforced_for_admins is None


def test_the_typed_reading_refuses_broken_data_listing_its_problems():
    with pytest.raises(schema.IdentityDataError, match="provider must be one of") as caught:
        schema.read_identity({**valid(), "provider": "x", "tenant": ""})
    assert len(caught.value.problems) == 2


def test_identity_is_a_snapshot_kind_the_locker_recognises(tmp_path):
    path = tmp_path / "identity-okta-kestrel.okta.com.json"
    path.write_bytes(snapshot.dumps("identity", "okta:kestrel.okta.com", valid()))
    assert kinds.detect(path, path.name).name == "identity"
    loaded = snapshot.load(io.BytesIO(path.read_bytes()), "identity")
    assert schema.read_snapshot(loaded).tenant == "kestrel.okta.com"
    assert schema.target_of("okta", "kestrel.okta.com") == loaded.target
