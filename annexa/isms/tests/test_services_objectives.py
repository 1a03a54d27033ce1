import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annexa.isms.models import Objective
from annexa.isms.progress import IMPROVING, WORSENING, progress_of
from annexa.isms.services import (
    StaleObjectiveError,
    create_objective,
    record_measurement,
    update_objective,
    withdraw_objective,
)
from annexa.isms.tests.conftest import ledger_count
from annexa.ledger.services import history


@pytest.fixture
def phishing(isla, colin):
    return {
        "title": "Fewer staff fall for phishing",
        "measure": "Share of staff who click in the quarterly phishing test.",
        "target": "At most 5% by December.",
        "target_value": "5",
        "unit": "%",
        "direction": "at_most",
        "owner": colin.user,
        "due_date": "2026-12-31",
    }


def entries(org, objective) -> list:
    return [(r.action, json.loads(r.data)) for r in history(org, "objective", str(objective.uid))]


def test_it_numbers_objectives_and_records_their_creation(acme, isla, phishing):
    first = create_objective(isla.ctx, phishing)
    second = create_objective(isla.ctx, {**phishing, "title": "Patch within a week"})
    assert (first.reference, second.reference) == ("OBJ-01", "OBJ-02")
    assert first.target_value == Decimal("5") and first.due_date == dt.date(2026, 12, 31)
    assert first.status == "planned" and first.version == 1 and first.updated_by == isla.user
    [(action, data)] = entries(acme, first)
    assert action == "create" and data["before"] is None
    assert data["after"]["owner"] == "colin@acme.test"
    assert data["after"]["target_value"] == "5"
    assert data["reference"] == "OBJ-01"


def test_it_names_each_missing_or_wrong_field(acme, isla, oscar, phishing):
    with pytest.raises(ValidationError) as caught:
        create_objective(isla.ctx, {"title": "  "})
    assert set(caught.value.message_dict) == {"title", "measure", "target", "owner", "due_date"}
    assert caught.value.message_dict["owner"] == ["Name the member responsible for the objective."]
    bad = {
        **phishing,
        "target_value": "five",
        "due_date": "soon",
        "direction": "sideways",
        "status": "done",
    }
    with pytest.raises(ValidationError) as caught:
        create_objective(isla.ctx, bad)
    errors = caught.value.message_dict
    assert set(errors) == {"target_value", "due_date", "direction", "status"}
    assert "not 'five'" in errors["target_value"][0] and "YYYY-MM-DD" in errors["due_date"][0]
    with pytest.raises(ValidationError) as caught:
        create_objective(isla.ctx, {**phishing, "owner": oscar.user})
    assert "not a member" in caught.value.message_dict["owner"][0]
    with pytest.raises(ValidationError) as caught:
        create_objective(isla.ctx, {**phishing, "number": 7})
    assert "number" in caught.value.message_dict
    assert not Objective.objects.exists()


def test_it_refuses_roles_without_the_permission(acme, isla, colin, vera, phishing):
    objective = create_objective(isla.ctx, phishing)
    for persona in (colin, vera):
        with pytest.raises(PermissionDenied):
            create_objective(persona.ctx, phishing)
        with pytest.raises(PermissionDenied):
            update_objective(persona.ctx, objective, {"status": "on_track"})
        with pytest.raises(PermissionDenied):
            record_measurement(persona.ctx, objective, measured_on="2026-01-05", value=3)
        with pytest.raises(PermissionDenied):
            withdraw_objective(persona.ctx, objective, reason="No longer needed.")


def test_it_updates_with_a_version_and_refuses_a_stale_save(acme, isla, alice, phishing):
    objective = create_objective(isla.ctx, phishing)
    before = ledger_count(acme)
    same = update_objective(
        isla.ctx, objective, {"target_value": "5.00", "title": " Fewer staff fall for phishing "}
    )
    assert same.version == 1 and ledger_count(acme) == before  # nothing differs
    saved = update_objective(
        alice.ctx, objective, {"status": "at_risk", "target_value": 4}, expected_version=1
    )
    assert saved.version == 2 and saved.updated_by == alice.user
    action, data = entries(acme, objective)[-1]
    assert action == "update" and data["version"] == 2
    assert data["before"] == {"target_value": "5", "status": "planned"}
    assert data["after"] == {"target_value": "4", "status": "at_risk"}
    with pytest.raises(StaleObjectiveError) as caught:
        update_objective(isla.ctx, objective, {"status": "on_track"}, expected_version=1)
    message = str(caught.value)
    assert "OBJ-01 was changed by alice@acme.test" in message and "version 2" in message
    objective.refresh_from_db()
    assert objective.status == "at_risk" and objective.version == 2


def test_it_records_measurements_and_reads_their_trend(acme, isla, phishing):
    objective = create_objective(isla.ctx, phishing)
    today = timezone.localdate()
    record_measurement(isla.ctx, objective, measured_on=today - dt.timedelta(days=90), value="9")
    record_measurement(
        isla.ctx, objective, measured_on=today - dt.timedelta(days=1), value=Decimal("4.5")
    )
    progress = progress_of([objective])[objective.pk]
    assert progress.latest.value == Decimal("4.5") and progress.latest.recorded_by == isla.user
    assert progress.trend == IMPROVING  # lower is better for this objective
    assert progress.target_met is True and progress.target_text == "at most 5%"
    note = record_measurement(isla.ctx, objective, measured_on=today, note="Test postponed.")
    progress = progress_of([objective])[objective.pk]
    assert progress.latest == note and progress.latest_value.value == Decimal("4.5")
    assert progress.latest_text == f"4.5% on {today - dt.timedelta(days=1):%Y-%m-%d}"
    measured = [data for action, data in entries(acme, objective) if action == "measure"]
    assert [m["after"]["value"] for m in measured] == ["9", "4.5", None]
    assert measured[2]["after"]["note"] == "Test postponed."
    objective.refresh_from_db()
    assert objective.version == 1  # measuring is not editing: no edit conflict


def test_it_turns_the_trend_with_the_direction(acme, isla, phishing):
    objective = create_objective(isla.ctx, {**phishing, "direction": "at_least"})
    record_measurement(isla.ctx, objective, measured_on="2026-01-01", value=9)
    record_measurement(isla.ctx, objective, measured_on="2026-02-01", value=4)
    progress = progress_of([objective])[objective.pk]
    assert progress.trend == WORSENING and progress.target_met is False


def test_it_refuses_empty_and_future_measurements(acme, isla, phishing):
    objective = create_objective(isla.ctx, phishing)
    with pytest.raises(ValidationError) as caught:
        record_measurement(isla.ctx, objective, measured_on="2026-01-05")
    assert caught.value.message_dict == {"value": ["Enter the measured value, a note, or both."]}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        record_measurement(isla.ctx, objective, measured_on=tomorrow, value="x")
    errors = caught.value.message_dict
    assert set(errors) == {"measured_on", "value"} and "future" in errors["measured_on"][0]
    with pytest.raises(ValidationError) as caught:
        record_measurement(isla.ctx, objective, measured_on=None, value=1)
    assert "measured_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        record_measurement(isla.ctx, objective, measured_on="2026-01-05", value="1e20")
    assert "value" in caught.value.message_dict  # more digits than the field holds
    assert not objective.measurements.exists()


def test_it_withdraws_with_a_reason_and_then_changes_nothing(acme, isla, phishing):
    objective = create_objective(isla.ctx, phishing)
    with pytest.raises(ValidationError) as caught:
        update_objective(isla.ctx, objective, {"status": "withdrawn"})
    assert "asks for the reason" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as caught:
        withdraw_objective(isla.ctx, objective, reason=" ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(StaleObjectiveError):
        withdraw_objective(isla.ctx, objective, reason="Merged.", expected_version=3)
    withdrawn = withdraw_objective(
        isla.ctx, objective, reason="Merged into the awareness objective.", expected_version=1
    )
    assert withdrawn.status == "withdrawn" and withdrawn.version == 2
    assert withdrawn.withdrawn_reason == "Merged into the awareness objective."
    action, data = entries(acme, objective)[-1]
    assert action == "withdraw" and data["before"] == {"status": "planned"}
    for change in (
        lambda: update_objective(isla.ctx, objective, {"title": "Again"}),
        lambda: record_measurement(isla.ctx, objective, measured_on="2026-01-05", value=2),
        lambda: withdraw_objective(isla.ctx, objective, reason="Twice."),
    ):
        with pytest.raises(ValidationError, match="OBJ-01 is withdrawn"):
            change()


def test_it_links_a_control_of_the_catalog(acme, isla, catalog, phishing):
    objective = create_objective(isla.ctx, {**phishing, "control": "A.8.8"})
    assert objective.control.title
    with pytest.raises(ValidationError) as caught:
        update_objective(isla.ctx, objective, {"control": "A.99.1"})
    assert "Unknown control 'A.99.1'" in caught.value.message_dict["control"][0]
    saved = update_objective(isla.ctx, objective, {"control": None})
    assert saved.control is None and entries(acme, objective)[-1][1]["before"] == {
        "control": "A.8.8"
    }


def test_it_cannot_touch_another_organizations_objectives(acme, isla, oscar, phishing):
    objective = create_objective(isla.ctx, phishing)
    with pytest.raises(Objective.DoesNotExist):
        update_objective(oscar.ctx, objective, {"status": "achieved"})
    with pytest.raises(Objective.DoesNotExist):
        record_measurement(oscar.ctx, objective, measured_on="2026-01-05", value=1)
    with pytest.raises(Objective.DoesNotExist):
        withdraw_objective(oscar.ctx, objective, reason="Not ours.")
