"""The review input on the fulfilment of information security objectives (9.3.2 d.4),
assembled from the isms app's objectives and their measurements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annexa.isms import services as isms
from annexa.reviews import services, sources
from annexa.reviews.tests.conftest import ready_to_sign

KEY = "9.3.2.d.4"


@pytest.fixture
def objective(isla, colin):
    def make(title: str, **fields):
        values = {
            "title": title,
            "measure": "Measured every quarter.",
            "target": "As stated.",
            "owner": colin.user,
            "due_date": timezone.localdate() + dt.timedelta(days=90),
            "status": "planned",
            **fields,
        }
        return isms.create_objective(isla.ctx, values)

    return make


def assembled_input(ctx, review):
    services.assemble(ctx, review)
    return review.inputs.get(requirement_id=KEY)


def rows_by_reference(assembled: dict) -> dict:
    [table] = assembled["tables"]
    return {row[0]: dict(zip(table["columns"], row, strict=True)) for row in table["rows"]}


def test_it_assembles_status_latest_measurement_target_and_due_date(review, isla, objective):
    today = timezone.localdate()
    phishing = objective(
        "Fewer staff fall for phishing",
        target_value="5",
        unit="%",
        direction="at_most",
        status="on_track",
    )
    isms.record_measurement(
        isla.ctx, phishing, measured_on=today - dt.timedelta(days=100), value=11
    )
    isms.record_measurement(isla.ctx, phishing, measured_on=today - dt.timedelta(days=10), value=4)
    patching = objective(
        "Critical fixes within a week",
        target_value="7",
        unit="days",
        direction="at_most",
        status="at_risk",
        due_date=today - dt.timedelta(days=3),
    )
    isms.record_measurement(isla.ctx, patching, measured_on=today, value=9)
    objective("Certification of the ISMS")
    dropped = objective("Encrypt every laptop")
    isms.withdraw_objective(isla.ctx, dropped, reason="Done as part of A.8.1 instead.")

    row = assembled_input(isla.ctx, review)
    assembled = row.assembled
    assert not assembled["manual"] and sources.has_data(assembled)
    figures = dict(assembled["figures"])
    assert figures["Objectives"] == 3 and figures["Overdue"] == 1
    assert (figures["On track"], figures["At risk"], figures["Planned"]) == (1, 1, 1)
    assert figures["Latest value meets the target"] == 1
    assert figures["Set, changed or measured in the period"] == 4
    rows = rows_by_reference(assembled)
    first = rows["OBJ-01"]
    assert first["Latest measurement"] == f"4% on {today - dt.timedelta(days=10):%Y-%m-%d}"
    assert (first["Target"], first["Against target"], first["Trend"]) == (
        "at most 5%",
        "met",
        "improving",
    )
    assert first["In the period"] == "set; 2 measurements"
    second = rows["OBJ-02"]
    assert second["Against target"] == "not met" and second["Due"].endswith("(3 days overdue)")
    third = rows["OBJ-03"]
    assert (third["Latest measurement"], third["Target"]) == ("not measured", "As stated.")
    assert rows["OBJ-04"]["Status"] == "Withdrawn"
    assert rows["OBJ-04"]["In the period"] == "set; withdrawn"
    assert row.summary.startswith("3 objectives: 1 planned, 1 on track, 1 at risk; 1 overdue.")
    assert "1 of the 2 objectives measured against a numeric target meets it" in row.summary
    assert (
        f"OBJ-02 Critical fixes within a week is overdue, latest 9 days on {today:%Y-%m-%d}, "
        "target at most 7 days." in row.summary
    )


def test_it_reports_what_changed_since_the_previous_review(review, isla, alice, objective):
    measured = objective("Fewer staff fall for phishing", target_value="5", unit="%")
    changed = objective("Critical fixes within a week")
    untouched = objective("Certification of the ISMS")
    withdrawn = objective("Encrypt every laptop")
    isms.withdraw_objective(isla.ctx, withdrawn, reason="Covered elsewhere.")
    services.add_decision(isla.ctx, review, kind="change", text="Keep the objectives.")
    services.sign_off(alice.ctx, ready_to_sign(isla.ctx, review, [alice.user]))

    isms.record_measurement(isla.ctx, measured, measured_on=timezone.localdate(), value=6)
    isms.update_objective(isla.ctx, changed, {"status": "at_risk", "target": "Within 7 days."})
    later = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    row = assembled_input(isla.ctx, later)
    rows = rows_by_reference(row.assembled)
    assert set(rows) == {measured.reference, changed.reference, untouched.reference}
    assert rows[measured.reference]["In the period"] == "1 measurement"
    assert rows[changed.reference]["In the period"] == "changed status, target"
    assert rows[untouched.reference]["In the period"] == "no change"
    assert "2 objectives set, changed or measured since MR-2026-01" in row.summary


def test_it_keeps_a_summary_written_by_hand(review, isla, objective):
    objective("Fewer staff fall for phishing")
    row = assembled_input(isla.ctx, review)
    services.update_input(isla.ctx, row, summary="Discussed objective by objective.")
    report = services.assemble(isla.ctx, review)
    assert KEY in report.kept
    row.refresh_from_db()
    assert row.summary == "Discussed objective by objective." and row.assembled["tables"]
