"""A user in a real browser: add an objective inline, record two measurements, see the
latest value, the trend and the sparkline appear in the row."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_adds_an_objective_and_records_measurements_inline(page, isla, colin):
    login(page, isla.user.email, PASSWORD)
    page.goto("/o/acme/")
    page.get_by_role("link", name="Objectives").click()
    page.get_by_role("button", name="Add an objective").click()
    form = page.locator("#objective-new form")
    form.get_by_label("Title").fill("Everyone completes the awareness training")
    form.get_by_label("Measure").fill("Share of staff who completed the module.")
    form.get_by_label("Target", exact=True).fill("At least 95% by December.")
    form.get_by_label("Numeric target").fill("95")
    form.get_by_label("Unit").fill("%")
    form.get_by_label("Owner").select_option(label="Colin Owner <colin@acme.test>")
    form.get_by_label("Due date").fill("2026-12-31")
    form.get_by_label("Status").select_option("on_track")
    form.get_by_role("button", name="Save").click()
    row = page.locator("tr", has_text="OBJ-01")
    row.get_by_text("not measured yet").wait_for()
    assert page.get_by_text("No objective is recorded yet.").count() == 0

    today = timezone.localdate().isoformat()
    for day, value in (("2026-01-15", "62"), (today, "81")):
        row.get_by_role("button", name="Measure OBJ-01: record a measurement").click()
        measure = page.locator("tr.editing form")
        measure.get_by_label("Measured on").fill(day)
        measure.get_by_label("Value (%)").fill(value)
        measure.get_by_role("button", name="Record").click()
        page.locator("tr.editing").wait_for(state="detached")
    row.locator("svg.chart").wait_for()
    text = row.inner_text()
    assert f"81% on {today}" in text and "improving" in text and "below target" in text
    assert row.locator('g.line[data-series="Measured"] circle.point').count() == 2
    if os.environ.get("ANNEXA_SCREENSHOT"):
        page.screenshot(path=os.environ["ANNEXA_SCREENSHOT"], full_page=True)
