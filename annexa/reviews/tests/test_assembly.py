"""Assembling a review's inputs from live data: what each category finds, changes since the
previous review, and edited summaries surviving a refresh."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from annexa.actions import services as actions
from annexa.findings.tests.factories import make_finding
from annexa.isms import services as isms
from annexa.reviews import services, sources
from annexa.reviews.tests.conftest import ready_to_sign


def inputs_of(review) -> dict:
    return {row.requirement_id: row for row in review.inputs.all()}


def rows_of(assembled: dict, title: str) -> list:
    return next((t["rows"] for t in assembled["tables"] if t["title"] == title), [])


def test_it_fills_every_category_that_has_data(review, isla, colin, open_nc, acme):
    isms.save_issue(isla.ctx, {"kind": "external", "description": "New NIS2 obligations."})
    isms.save_party(isla.ctx, {"name": "Customers", "requirements": "SOC 2 report yearly."})
    make_finding(acme, grade="ofi", title="Automate the evidence export")
    actions.create_action(
        isla.ctx,
        source="management_review",
        source_reference="MR-2025-02 decision 1",
        title="Quarterly restore tests",
        plan="Test restores every quarter.",
        owner=colin.user,
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    services.assemble(isla.ctx, review)
    inputs = inputs_of(review)
    for key in ("9.3.2.a", "9.3.2.b", "9.3.2.c", "9.3.2.d.1", "9.3.2.d.3", "9.3.2.e", "9.3.2.g"):
        row = inputs[key]
        assert row.summary and sources.has_data(row.assembled), key
    a = inputs["9.3.2.a"].assembled
    assert dict(a["figures"])["Overdue"] == 1
    assert rows_of(a, "Actions")[0][2] == "MR-2025-02 decision 1"
    assert "New NIS2 obligations." in rows_of(inputs["9.3.2.b"].assembled, "Changes")[0][2]
    assert dict(inputs["9.3.2.d.1"].assembled["figures"])["Open nonconformities"] == 1
    ofis = rows_of(inputs["9.3.2.g"].assembled, "Open findings")
    assert [r[2] for r in ofis] == ["Automate the evidence export"]
    assert "1 audit under way" in inputs["9.3.2.d.3"].summary
    monitoring = inputs["9.3.2.d.2"].assembled
    assert [r[0] for r in rows_of(monitoring, "By Annex A theme")] == [
        "Organizational",
        "People",
        "Physical",
        "Technological",
    ]
    assert "93 Annex A controls" in inputs["9.3.2.d.2"].summary


def test_it_says_which_categories_are_entered_by_hand(review, isla):
    services.assemble(isla.ctx, review)
    inputs = inputs_of(review)
    risk = inputs["9.3.2.f"].assembled
    assert risk["manual"] and "risk register is empty" in risk["note"]  # filled: test_risk_input
    assert inputs["9.3.2.f"].summary == ""
    assert inputs["9.3.2.e"].assembled["manual"]
    objectives = inputs["9.3.2.d.4"].assembled  # manual while no objective is recorded
    assert objectives["manual"] and "No information security objective" in objectives["note"]
    assert inputs["9.3.2.d.4"].summary == ""


def test_it_lists_the_actions_of_earlier_reviews_only(review, isla, alice, colin):
    services.add_decision(
        isla.ctx,
        review,
        kind="improvement",
        text="Automate the access review.",
        owner=colin.user,
        due_date=dt.date(2026, 9, 30),
    )
    services.sign_off(alice.ctx, ready_to_sign(isla.ctx, review, [alice.user]))
    later = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    own = services.add_decision(
        isla.ctx,
        later,
        kind="resources",
        text="Buy a backup appliance.",
        owner=colin.user,
        due_date=dt.date(2026, 12, 1),
    )
    services.track_decision(isla.ctx, own)  # tracked early: still this review's, not earlier
    services.assemble(isla.ctx, later)
    actions_rows = rows_of(inputs_of(later)["9.3.2.a"].assembled, "Actions")
    assert [r[2] for r in actions_rows] == ["MR-2026-01 decision 1"]


def test_it_detects_changes_since_the_previous_review(review, isla, alice):
    issue = isms.save_issue(isla.ctx, {"kind": "internal", "description": "Team doubles."})
    isms.save_party(isla.ctx, {"name": "Regulator"})
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    services.sign_off(alice.ctx, ready_to_sign(isla.ctx, review, [alice.user]))

    isms.save_issue(isla.ctx, {"effect": "More access requests to handle."}, issue)
    isms.save_party(isla.ctx, {"name": "Insurer", "requirements": "Annual questionnaire."})
    later = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    services.assemble(isla.ctx, later)
    inputs = inputs_of(later)
    issues = inputs["9.3.2.b"]
    assert [(r[1], r[3]) for r in rows_of(issues.assembled, "Changes")] == [("update", "effect")]
    assert "since MR-2026-01" in issues.summary and "1 changed" in issues.summary
    parties = rows_of(inputs["9.3.2.c"].assembled, "Changes")
    assert [(r[1], r[2]) for r in parties] == [("create", "Insurer")]
    window = services.window_of(later)
    assert window.previous == "MR-2026-01" and window.since is not None


def test_refreshing_keeps_an_edited_summary_unless_asked(review, isla):
    services.assemble(isla.ctx, review)
    row = inputs_of(review)["9.3.2.a"]
    services.update_input(isla.ctx, row, summary="Our own words for the board.")
    report = services.assemble(isla.ctx, review)
    assert report.kept == ["9.3.2.a"] and not report.replaced
    row.refresh_from_db()
    assert row.summary == "Our own words for the board." and row.summary_edited
    assert row.assembled["summary"].startswith("No action")
    report = services.assemble(isla.ctx, review, replace_edited=True)
    assert report.replaced == ["9.3.2.a"]
    row.refresh_from_db()
    assert row.summary == row.assembled["summary"] and not row.summary_edited


def test_it_calls_a_review_the_first_only_when_none_came_before(review, isla):
    assert services.window_of(review).period.endswith("(this is the first review)")
    services.assemble(isla.ctx, review)
    later = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    window = services.window_of(later)
    # MR-2026-01 exists but its meeting has not taken place: the period still starts with the
    # records, and the summaries say why instead of calling this the first review.
    assert window.since is None and window.not_held == review.reference
    services.assemble(isla.ctx, later)
    issues = inputs_of(later)["9.3.2.b"].summary
    assert "first review" not in issues
    assert f"since records began ({review.reference} has not been held yet)" in issues


def test_a_held_review_not_yet_signed_off_starts_the_next_period(review, isla):
    """The demo's state: MR-2026-01 was held (its inputs froze) and awaits the owner's
    sign-off; the next review looks back to it, not to the beginning of the records."""
    held = ready_to_sign(isla.ctx, review)
    isms.save_issue(isla.ctx, {"kind": "internal", "description": "A second office opens."})
    later = services.create_review(isla.ctx, title="Autumn", planned_date=dt.date(2026, 11, 2))
    window = services.window_of(later)
    assert window.previous == held.reference and window.since == held.frozen_at
    services.assemble(isla.ctx, later)
    inputs = inputs_of(later)
    assert all("first review" not in row.summary for row in inputs.values())
    issues = inputs["9.3.2.b"]
    assert f"since {held.reference} (" in issues.summary
    changes = rows_of(issues.assembled, "Changes")
    assert [r[2] for r in changes] == ["Internal: A second office opens."]
