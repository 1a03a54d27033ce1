"""Joiner and leaver checks, their settings, and their lists as sampling populations."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.audits.choices import SamplingRule
from annexa.audits.services import sampling
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.evidence.models import Evidence
from annexa.evidence.services import open_version
from annexa.ledger.models import LedgerEntry
from annexa.people.choices import AccountSource
from annexa.people.services import checks, people
from annexa.people.services.accounts import AccountRecord, sync_system

TODAY = dt.date(2026, 6, 30)
D = dt.date


@pytest.fixture
def staff(isla):
    ctx = isla.ctx

    def add(name, **data):
        return people.create_person(ctx, {"name": name, "employee_id": name[:3].upper(), **data})

    found = {
        # Started 1 June: screened and signed before, trained on day 10 — no gap.
        "good": add(
            "Good",
            start_date=D(2026, 6, 1),
            screened_on=D(2026, 5, 20),
            terms_signed_on=D(2026, 5, 25),
        ),
        # Started 1 May: never screened, terms signed late, no training after 60 days.
        "gappy": add("Gappy", start_date=D(2026, 5, 1), terms_signed_on=D(2026, 5, 3)),
        # Started yesterday: nothing yet, but only training is not yet due.
        "fresh": add("Fresh", start_date=D(2026, 6, 29)),
        # Started long ago: outside the window.
        "old": add("Old", start_date=D(2020, 1, 1)),
        # Left in June with a Google account still enabled; left in 2025 with none.
        "gone": add(
            "Gone", email="gone@acme.test", start_date=D(2020, 1, 1), end_date=D(2026, 6, 15)
        ),
        "long_gone": add(
            "Long", email="long@acme.test", start_date=D(2020, 1, 1), end_date=D(2025, 1, 31)
        ),
        "left_enabled": add(
            "Lefty", email="lefty@acme.test", start_date=D(2020, 1, 1), end_date=D(2024, 3, 1)
        ),
    }
    people.record_training(ctx, found["good"], "Security awareness", D(2026, 6, 10))
    sync_system(
        ctx,
        "Google Workspace",
        [
            AccountRecord("gone@acme.test"),
            AccountRecord("long@acme.test", enabled=False),
            AccountRecord("lefty@acme.test"),
        ],
        source=AccountSource.IMPORT,
    )
    return found


def test_joiners_with_their_gaps(isla, staff):
    found = {j.person.name: j for j in checks.joiners(isla.ctx.org, today=TODAY)}
    assert set(found) == {"Good", "Gappy", "Fresh"}
    assert found["Good"].gaps == []
    assert found["Gappy"].gaps == ["screening", "terms", "training"]
    assert found["Gappy"].checks["terms"].due == D(2026, 5, 1)
    assert found["Fresh"].gaps == ["screening", "terms"]
    assert found["Fresh"].checks["training"].state == checks.PENDING
    gaps = checks.joiners(isla.ctx.org, today=TODAY, gaps_only=True)
    assert [j.person.name for j in gaps] == ["Gappy", "Fresh"]


def test_settings_change_the_verdicts_and_are_in_the_ledger(isla, staff):
    checks.update_settings(
        isla.ctx, {"terms_days": 5, "screening_days": 30, "training_days": 90}, expected_version=1
    )
    found = {j.person.name: j for j in checks.joiners(isla.ctx.org, today=TODAY)}
    assert found["Gappy"].gaps == ["screening"]
    assert found["Fresh"].gaps == []
    entry = LedgerEntry.objects.filter(object_type="people_settings").get()
    assert entry.data_value["after"]["terms_days"] == 5
    with pytest.raises(ValidationError) as caught:
        checks.update_settings(isla.ctx, {"training_days": -1, "joiner_window_days": "x"})
    assert set(caught.value.message_dict) == {"training_days", "joiner_window_days"}
    with pytest.raises(ValidationError, match="changed by someone else"):
        checks.update_settings(isla.ctx, {"terms_days": 1}, expected_version=1)


def test_only_managers_change_the_settings(vera, colin):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            checks.update_settings(persona.ctx, {"terms_days": 1})


def test_leavers_with_accounts_still_enabled(isla, staff):
    found = {leaver.person.name: leaver for leaver in checks.leavers(isla.ctx.org, today=TODAY)}
    assert set(found) == {"Gone", "Lefty"}
    assert [a.username for a in found["Gone"].accounts] == ["gone@acme.test"]
    gaps = checks.leavers(isla.ctx.org, today=TODAY, gaps_only=True)
    assert {g.person.name for g in gaps} == {"Gone", "Lefty"}
    # Disabled in the next read of the system: no longer a gap.
    sync_system(
        isla.ctx,
        "Google Workspace",
        [AccountRecord("gone@acme.test", enabled=False), AccountRecord("lefty@acme.test")],
        source=AccountSource.IMPORT,
    )
    gaps = checks.leavers(isla.ctx.org, today=TODAY, gaps_only=True)
    assert [g.person.name for g in gaps] == ["Lefty"]


def test_a_saved_population_is_evidence_a_sample_is_drawn_from(catalog, items, isla, audrey, staff):
    version = checks.save_population(isla.ctx, "joiners", today=TODAY)
    evidence = Evidence.objects.get(pk=version.evidence_id)
    assert {c.id for c in evidence.controls.all()} >= {"A.6.1"}
    assert version.filename == "joiners-acme-2026-06-30.csv"
    rule = sampling.Rule(kind=SamplingRule.JUDGEMENT, size=2, rationale="Two joiners")
    population = sampling.Population(version=version)
    item = next(iter(items.values()))
    sample = sampling.create_sample(audrey.ctx, item, population, rule, "people-1")
    assert sorted(sample.population) == ["Fresh (FRE)", "Gappy (GAP)", "Good (GOO)"]
    assert sample.records.count() == 2
    leavers = checks.save_population(isla.ctx, "leavers", today=TODAY)
    with open_version(leavers) as stream:
        assert b"Lefty (LEF)" in stream.read()
    assert {c.id for c in leavers.evidence.controls.all()} == {"A.5.15", "A.5.18", "A.6.5"}


def test_an_empty_population_is_refused(isla):
    with pytest.raises(ValidationError, match="no joiners"):
        checks.save_population(isla.ctx, "joiners", today=TODAY)


def test_population_csv_names_each_person_once_with_the_checks(isla, staff):
    text = checks.population_csv(isla.ctx.org, "joiners", today=TODAY).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("person,department,start_date,screening_due")
    assert any(
        line.startswith("Gappy (GAP),") and "screening, terms, training" in line for line in lines
    )
    text = checks.population_csv(isla.ctx.org, "leavers", today=TODAY).decode("utf-8-sig")
    assert "Google Workspace: gone@acme.test" in text


def test_due_dates_are_said_in_words():
    from annexa.people.models import PeopleSettings

    rules = PeopleSettings(screening_days=0, terms_days=-5, training_days=30)
    assert rules.screening_due == "by the start date"
    assert rules.terms_due == "5 days before the start"
    assert PeopleSettings.due(1) == "1 day after the start"
