"""Fixtures of the audits tests: a demo-like Acme (real catalog, full SoA, units, scope)."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.audits.services import programme as programme_service
from annexa.ledger.models import LedgerEntry

START = dt.date(2026, 1, 5)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas get passwords; Argon2 costs most of a second each, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(acme, catalog, alice, isla, colin, audrey):
    """Acme set up like the isms demo: its SoA (about 85 applicable controls), units, scope.

    Written straight from the demo's data file (the demo builder goes through every service
    and costs seconds per test). Isla and Alice own what the demo gives the ISMS manager and
    the owner; Colin owns everything else (IT, engineering, HR, facilities).
    """
    from annexa.isms.demo import demo_data
    from annexa.isms.models import OrgUnit, ScopeStatement, SoAEntry
    from annexa.isms.services import ensure_soa
    from annexa.isms.services.scope import unit_snapshot

    data = demo_data()
    people = {"owner": alice.user, "isms_manager": isla.user}
    ensure_soa(acme)
    entries = {e.control_id: e for e in SoAEntry.objects.for_org(acme)}
    for row in data["soa"]:
        entry = entries[row["control"]]
        entry.applicable, entry.status = row["applicable"], row["status"]
        entry.justification = row["justification"]
        entry.control_owner = people.get(row["owner"], colin.user)
    fields = ["applicable", "status", "justification", "control_owner"]
    SoAEntry.objects.bulk_update(entries.values(), fields)
    units = [
        OrgUnit.objects.create(
            organization=acme,
            name=u["name"],
            kind=u["kind"],
            manager=people.get(u.get("manager"), colin.user),
        )
        for u in data["units"]
    ]
    in_scope = [u for u in units if u.name in data["scope"]["units"]]
    ScopeStatement.objects.create(
        organization=acme, version=1, text=data["scope"]["text"], in_scope=unit_snapshot(in_scope)
    )
    return acme


@pytest.fixture
def programme(demo, isla):
    """A draft programme for Acme, planned by the planner."""
    created = programme_service.create_programme(isla.ctx, start_date=START)
    return programme_service.plan_programme(isla.ctx, created)


def ledger_actions(org, object_type: str) -> list[str]:
    return list(
        LedgerEntry.objects.filter(organization=org, object_type=object_type)
        .order_by("seq")
        .values_list("action", flat=True)
    )
