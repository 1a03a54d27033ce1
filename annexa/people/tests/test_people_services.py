"""People one by one and in batches: validation by field, versions, the ledger, the upsert's
keys and managers, and the rule between HR and an identity provider."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.ledger.models import LedgerEntry
from annexa.people.choices import AccountSource, PersonSource
from annexa.people.models import Account, Person, TrainingCompletion
from annexa.people.services import people
from annexa.people.services.accounts import AccountRecord, sync_system
from annexa.people.services.bulk import PeopleRefused, PersonRow, upsert_people

D = dt.date


def entries(org, object_type="person"):
    return list(LedgerEntry.objects.filter(organization=org, object_type=object_type))


@pytest.fixture
def ada(isla):
    return people.create_person(
        isla.ctx,
        {
            "name": "Ada Byron",
            "email": "ada@acme.test",
            "employee_id": "E1",
            "start_date": D(2026, 1, 5),
        },
    )


def test_create_records_the_person_in_the_ledger(isla, ada):
    assert ada.source == PersonSource.MANUAL and ada.version == 1
    (entry,) = entries(isla.ctx.org)
    assert entry.action == "create"
    assert entry.data_value["after"]["email"] == "ada@acme.test"
    assert entry.data_value["after"]["start_date"] == "2026-01-05"


def test_validation_names_each_field(isla, ada):
    with pytest.raises(ValidationError) as caught:
        people.create_person(
            isla.ctx,
            {
                "name": "",
                "email": "ADA@acme.test",
                "employee_id": "E1",
                "start_date": D(2026, 3, 1),
                "end_date": D(2026, 2, 1),
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "email", "employee_id", "end_date"}
    assert "already Ada Byron's" in errors["email"][0]
    assert "before the start date" in errors["end_date"][0]
    assert Person.objects.count() == 1


def test_manager_of_the_same_org_and_not_self_nor_a_loop(isla, oscar, ada):
    bob = people.create_person(isla.ctx, {"name": "Bob", "manager": ada})
    with pytest.raises(ValidationError) as caught:
        people.update_person(isla.ctx, ada, {"manager": ada})
    assert "own manager" in caught.value.message_dict["manager"][0]
    with pytest.raises(ValidationError) as caught:
        people.update_person(isla.ctx, ada, {"manager": bob})
    assert "reports to Ada Byron" in caught.value.message_dict["manager"][0]
    stranger = people.create_person(oscar.ctx, {"name": "Stranger"})
    with pytest.raises(ValidationError) as caught:
        people.update_person(isla.ctx, bob, {"manager": stranger})
    assert "this organization" in caught.value.message_dict["manager"][0]


def test_update_checks_the_version_and_records_only_what_changed(isla, ada):
    people.update_person(isla.ctx, ada, {"department": "Finance"}, expected_version=1)
    ada.refresh_from_db()
    assert ada.version == 2 and ada.updated_by == isla.user
    with pytest.raises(people.StalePersonError, match="version 2"):
        people.update_person(isla.ctx, ada, {"department": "Sales"}, expected_version=1)
    people.update_person(isla.ctx, ada, {"department": "Finance"})  # no change
    update = entries(isla.ctx.org)[-1]
    assert update.action == "update"
    assert update.data_value["before"] == {"department": ""}
    assert update.data_value["after"] == {"department": "Finance"}
    assert len(entries(isla.ctx.org)) == 2


def test_viewers_and_control_owners_cannot_change_people(vera, colin, ada):
    for persona in (vera, colin):
        with pytest.raises(PermissionDenied):
            people.create_person(persona.ctx, {"name": "X"})
        with pytest.raises(PermissionDenied):
            people.update_person(persona.ctx, ada, {"name": "X"})


def test_record_training_once(isla, ada):
    training = people.record_training(isla.ctx, ada, " Security  awareness ", D(2026, 2, 1))
    assert training.course == "Security awareness"
    with pytest.raises(ValidationError, match="already"):
        people.record_training(isla.ctx, ada, "Security awareness", D(2026, 2, 1))
    with pytest.raises(ValidationError, match="future"):
        people.record_training(isla.ctx, ada, "Phishing", D(2999, 1, 1))
    (entry,) = entries(isla.ctx.org, "training")
    assert entry.data_value["course"] == "Security awareness"
    people.remove_training(isla.ctx, training)
    assert not TrainingCompletion.objects.exists()
    assert [e.action for e in entries(isla.ctx.org, "training")] == ["record", "remove"]


def test_upsert_creates_and_updates_by_employee_id_then_address(isla, ada):
    result = upsert_people(
        isla.ctx,
        [
            PersonRow(name="Ada Lovelace", employee_id="E1", email="ada@acme.test"),
            PersonRow(
                name="Bob Stone",
                email="BOB@acme.test",
                manager="E1",
                trainings=(("Awareness", D(2026, 1, 10)),),
            ),
            PersonRow(name="Cy Young", employee_id="E3", manager="bob@acme.test"),
        ],
        source=PersonSource.IMPORT,
        source_ref="hr.csv",
    )
    assert (len(result.created), len(result.updated), result.trainings) == (2, 1, 1)
    bob = Person.objects.get(email="BOB@acme.test")
    cy = Person.objects.get(employee_id="E3")
    ada.refresh_from_db()
    assert ada.name == "Ada Lovelace" and ada.version == 2 and ada.source == PersonSource.IMPORT
    assert bob.manager == ada and cy.manager == bob
    kinds = [
        (e.object_type, e.action) for e in LedgerEntry.objects.filter(organization=isla.ctx.org)
    ]
    assert kinds.count(("person", "create")) == 3 and kinds.count(("person", "update")) == 1
    assert kinds.count(("training", "record")) == 1
    # The same rows again change nothing.
    again = upsert_people(
        isla.ctx,
        [
            PersonRow(
                name="Bob Stone",
                email="BOB@acme.test",
                manager="E1",
                trainings=(("Awareness", D(2026, 1, 10)),),
            )
        ],
        source=PersonSource.IMPORT,
        source_ref="hr.csv",
        fields=["name", "email", "manager"],
    )
    assert (len(again.created), len(again.updated), again.unchanged, again.trainings) == (
        0,
        0,
        1,
        0,
    )


def test_a_bad_batch_writes_nothing_and_names_every_problem(isla, ada):
    before = LedgerEntry.objects.count()
    with pytest.raises(PeopleRefused) as caught:
        upsert_people(
            isla.ctx,
            [
                PersonRow(name="Ok", employee_id="E9"),
                PersonRow(name="", employee_id="E10"),
                PersonRow(name="Twin", employee_id="E9"),
                PersonRow(name="Nobody"),
                PersonRow(
                    name="Late", employee_id="E11", start_date=D(2026, 5, 1), end_date=D(2026, 4, 1)
                ),
                PersonRow(name="Lost", employee_id="E12", manager="ghost@acme.test"),
                PersonRow(name="Self", employee_id="E13", manager="E13"),
                PersonRow(name="Thief", employee_id="E14", email="ada@acme.test"),
            ],
            source=PersonSource.IMPORT,
            source_ref="hr.csv",
            labels=[f"row {i + 2}" for i in range(8)],
        )
    found = {(p.index, p.field) for p in caught.value.problems}
    assert found == {
        (1, "name"),
        (2, "employee_id"),
        (3, "employee_id"),
        (4, "end_date"),
        (5, "manager"),
        (6, "manager"),
        (7, "employee_id"),
    }
    twin = next(p for p in caught.value.problems if p.index == 2)
    assert "row 2" in twin.message
    assert Person.objects.count() == 1 and LedgerEntry.objects.count() == before


def test_identity_provider_fills_blanks_and_never_overwrites_hr(isla, ada):
    result = upsert_people(
        isla.ctx,
        [
            PersonRow(
                name="A. Byron", email="ada@acme.test", department="Engineering", job_title=""
            ),
            PersonRow(
                name="Dana Idp", email="dana@acme.test", department="Sales", source_ref="00u1"
            ),
        ],
        source=PersonSource.IDENTITY,
        source_ref="Okta",
    )
    ada.refresh_from_db()
    assert ada.name == "Ada Byron"  # HR's (manual) name kept
    assert ada.department == "Engineering"  # a blank filled
    assert ada.source == PersonSource.MANUAL
    dana = Person.objects.get(email="dana@acme.test")
    assert dana.source == PersonSource.IDENTITY and dana.source_ref == "00u1"
    assert len(result.created) == 1 and len(result.updated) == 1
    # The directory changes its own people, but a blank never clears a field.
    upsert_people(
        isla.ctx,
        [PersonRow(name="Dana Idp", email="dana@acme.test", department="")],
        source=PersonSource.IDENTITY,
        source_ref="Okta",
    )
    upsert_people(
        isla.ctx,
        [PersonRow(name="Dana Idp", email="dana@acme.test", department="Marketing")],
        source=PersonSource.IDENTITY,
        source_ref="Okta",
    )
    dana.refresh_from_db()
    assert dana.department == "Marketing"
    # Once HR imports her, the directory only fills blanks.
    upsert_people(
        isla.ctx,
        [PersonRow(name="Dana Ide", email="dana@acme.test", department="Sales")],
        source=PersonSource.IMPORT,
        source_ref="hr.csv",
        fields=["name", "email", "department"],
    )
    upsert_people(
        isla.ctx,
        [PersonRow(name="Dana Idp", email="dana@acme.test", department="Marketing")],
        source=PersonSource.IDENTITY,
        source_ref="Okta",
    )
    dana.refresh_from_db()
    assert (dana.name, dana.department, dana.source) == ("Dana Ide", "Sales", "import")


def test_upsert_matches_accounts_to_new_people(isla):
    sync_system(
        isla.ctx, "Google Workspace", [AccountRecord("erin@acme.test")], source=AccountSource.IMPORT
    )
    assert Account.objects.get().person is None
    result = upsert_people(
        isla.ctx,
        [PersonRow(name="Erin", email="erin@acme.test")],
        source=PersonSource.IMPORT,
        source_ref="hr.csv",
    )
    assert result.rematched == 1
    assert Account.objects.get().person.name == "Erin"


def test_a_batch_may_not_make_a_management_loop(isla, ada):
    with pytest.raises(PeopleRefused) as caught:
        upsert_people(
            isla.ctx,
            [
                PersonRow(name="Ada Byron", employee_id="E1", manager="E2"),
                PersonRow(name="Bo", employee_id="E2", manager="E1"),
            ],
            source=PersonSource.IMPORT,
            source_ref="hr.csv",
            fields=["name", "employee_id", "manager"],
        )
    assert {(p.index, p.field) for p in caught.value.problems} == {(0, "manager"), (1, "manager")}
