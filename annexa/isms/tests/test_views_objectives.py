import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from annexa.isms.models import Objective
from annexa.isms.services import create_objective, record_measurement, withdraw_objective
from annexa.ledger.services import history

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"isms:{name}", kwargs={"org": "acme", **kwargs})


@pytest.fixture
def objective(acme, isla, colin):
    return create_objective(
        isla.ctx,
        {
            "title": "Critical fixes reach production within a week",
            "measure": "Median days from a critical fix's release to its deployment.",
            "target": "A median of at most 7 days.",
            "target_value": 7,
            "unit": "days",
            "direction": "at_most",
            "owner": colin.user,
            "due_date": timezone.localdate() - dt.timedelta(days=2),
            "status": "at_risk",
        },
    )


def form_data(objective, **changes) -> dict:
    data = {
        "title": objective.title,
        "serves": objective.serves,
        "control": "",
        "measure": objective.measure,
        "target": objective.target,
        "target_value": "7",
        "unit": objective.unit,
        "direction": objective.direction,
        "owner": objective.owner_id,
        "due_date": objective.due_date.isoformat(),
        "status": objective.status,
        "version": objective.version,
    }
    return {**data, **changes}


def test_it_lists_objectives_with_status_latest_measurement_and_trend(
    acme, client_for, isla, vera, objective
):
    today = timezone.localdate()
    record_measurement(isla.ctx, objective, measured_on=today - dt.timedelta(days=60), value=14)
    record_measurement(isla.ctx, objective, measured_on=today, value=9, note="Two fixes waited.")
    page = client_for(vera).get(url("objectives")).content.decode()
    assert '<span class="badge warn">At risk</span>' in page
    assert '<span class="badge bad">overdue</span>' in page
    assert f"9 days on {today:%Y-%m-%d}" in page and "below target" in page
    assert "improving" in page and "Two fixes waited." in page
    assert f'id="objective-{objective.pk}-trend-title"' in page  # the sparkline
    assert "at most 7 days" in page
    assert url("objective-edit", pk=objective.pk) not in page  # a viewer sees no edit links
    assert (
        reverse("isms:objectives", kwargs={"org": "acme"})
        in client_for(vera).get(url("context")).content.decode()
    )  # the navigation entry


def test_it_adds_an_objective_inline(acme, client_for, isla, colin):
    client = client_for(isla)
    form = client.get(url("objective-new"), **HTMX).content.decode()
    assert form.startswith('<tr id="objective-new" class="editing">')
    assert "colin@acme.test" in form and "Withdrawn" not in form
    response = client.post(
        url("objective-new"),
        {
            "title": "Everyone completes the awareness training",
            "measure": "Share of staff who completed the module.",
            "target": "At least 95%.",
            "target_value": "95",
            "unit": "%",
            "direction": "at_least",
            "owner": colin.user.pk,
            "due_date": "2026-12-31",
            "status": "planned",
        },
        **HTMX,
    )
    objective = Objective.objects.get()
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<tr id="objective-{objective.pk}"')
    assert "OBJ-01" in body and "not measured yet" in body


def test_it_edits_inline_and_refuses_a_stale_version(acme, client_for, isla, alice, objective):
    client = client_for(isla)
    form = client.get(url("objective-edit", pk=objective.pk), **HTMX).content.decode()
    assert 'name="version" value="1"' in form and url("objective-row", pk=objective.pk) in form
    response = client.post(
        url("objective-edit", pk=objective.pk), form_data(objective, status="on_track"), **HTMX
    )
    assert response.status_code == 200 and "On track" in response.content.decode()
    objective.refresh_from_db()
    assert objective.status == "on_track" and objective.version == 2
    # Someone who opened the form at version 1 is told, and nothing is overwritten.
    stale = client_for(alice).post(
        url("objective-edit", pk=objective.pk),
        form_data(objective, status="achieved", version=1),
        **HTMX,
    )
    assert stale.status_code == 409
    assert "was changed by isla@acme.test" in stale.content.decode()
    objective.refresh_from_db()
    assert objective.status == "on_track"
    assert [r.action for r in history(acme, "objective", str(objective.uid))] == [
        "create",
        "update",
    ]


def test_it_refuses_an_edit_or_withdrawal_without_the_version_it_started_from(
    acme, client_for, isla, objective
):
    client = client_for(isla)
    data = form_data(objective, status="achieved")
    del data["version"]
    edit = client.post(url("objective-edit", pk=objective.pk), data, **HTMX)
    assert edit.status_code == 422
    assert "did not say which version you edited" in edit.content.decode()
    withdraw = client.post(
        url("objective-withdraw", pk=objective.pk), {"reason": "Merged."}, **HTMX
    )
    assert withdraw.status_code == 422
    assert "did not say which version you edited" in withdraw.content.decode()
    objective.refresh_from_db()
    assert (objective.status, objective.version) == ("at_risk", 1)


def test_it_shows_errors_in_the_form_row(acme, client_for, isla, objective):
    response = client_for(isla).post(
        url("objective-edit", pk=objective.pk),
        form_data(objective, title="", target_value="lots"),
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert body.startswith(f'<tr id="objective-{objective.pk}" class="editing">')
    assert "Enter a number." in body and "This field is required." in body


def test_it_records_a_measurement_inline(acme, client_for, isla, objective):
    client = client_for(isla)
    form = client.get(url("objective-measure", pk=objective.pk), **HTMX).content.decode()
    assert "Value (days)" in form and timezone.localdate().isoformat() in form
    today = timezone.localdate().isoformat()
    response = client.post(
        url("objective-measure", pk=objective.pk),
        {"measured_on": today, "value": "6", "note": "Emergency releases work."},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f"6 days on {today}" in body and "target met" in body
    refused = client.post(url("objective-measure", pk=objective.pk), {"measured_on": today}, **HTMX)
    assert refused.status_code == 422
    assert "Enter the measured value, a note, or both." in refused.content.decode()
    assert objective.measurements.count() == 1


def test_it_withdraws_inline_with_a_reason(acme, client_for, isla, objective):
    client = client_for(isla)
    missing = client.post(
        url("objective-withdraw", pk=objective.pk), {"version": 1, "reason": ""}, **HTMX
    )
    assert missing.status_code == 422
    assert "Say why the objective is withdrawn." in missing.content.decode()
    response = client.post(
        url("objective-withdraw", pk=objective.pk),
        {"version": 1, "reason": "Replaced by the vulnerability SLA."},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Withdrawn: Replaced by the vulnerability SLA." in body
    assert "overdue" not in body  # a withdrawn objective cannot fall overdue
    assert url("objective-edit", pk=objective.pk) not in body


def test_it_falls_back_to_whole_pages_without_htmx(acme, client_for, isla, objective):
    client = client_for(isla)
    page = client.get(url("objective-edit", pk=objective.pk))
    assert b"<html" in page.content and b"Objectives</a>" in page.content
    response = client.post(
        url("objective-edit", pk=objective.pk), form_data(objective, title="Faster fixes")
    )
    assert response.status_code == 302
    assert response.url.endswith(f"/o/acme/objectives/#objective-{objective.pk}")
    row = client.get(url("objective-row", pk=objective.pk))
    assert row.status_code == 302


@pytest.mark.parametrize("name", ["objective-edit", "objective-measure", "objective-withdraw"])
def test_it_refuses_forms_and_changes_to_viewers(name, acme, client_for, vera, objective):
    client = client_for(vera)
    assert client.get(url(name, pk=objective.pk), **HTMX).status_code == 403
    assert client.post(url(name, pk=objective.pk), form_data(objective), **HTMX).status_code == 403
    assert client.get(url("objective-new"), **HTMX).status_code == 403
    assert client.get(url("objective-row", pk=objective.pk), **HTMX).status_code == 200


def test_it_hides_another_organizations_objectives(acme, client_for, oscar, objective):
    response = client_for(oscar).get(
        reverse("isms:objective-edit", kwargs={"org": "globex", "pk": objective.pk}), **HTMX
    )
    assert response.status_code == 404


def test_it_offers_no_action_on_a_withdrawn_objective(acme, client_for, isla, objective):
    withdraw_objective(isla.ctx, objective, reason="Merged.")
    page = client_for(isla).get(url("objectives")).content.decode()
    assert "Withdrawn: Merged." in page
    assert url("objective-measure", pk=objective.pk) not in page
