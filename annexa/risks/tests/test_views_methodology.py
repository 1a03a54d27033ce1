"""The methodology page: the version in force with its scales, matrix, levels and acceptance
criteria; earlier versions; and the revision form of managers (every cell, band, threshold),
refused with the reason where the problem is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annexa.risks.models import Methodology, Risk
from annexa.risks.services import methodology
from annexa.risks.tests.test_views import HTMX, text

URL = "/o/acme/risks/methodology/"


def form_data(org) -> dict:
    """The revision form as the page fills it (its current values)."""
    from annexa.risks.forms import MethodologyForm

    m = methodology.current(org)
    form = MethodologyForm(methodology=m)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value
    return data


def test_everyone_reads_the_methodology(client_for, vera, acme):
    page = client_for(vera).get(URL)
    assert page.status_code == 200
    shown = text(page)
    assert "Version 1 in force" in shown and "Almost certain" in shown and "Severe" in shown
    assert "A residual score above 9 is above the risk acceptance criteria" in shown
    assert "Very high 17 to 25 (above the threshold) Owner" in shown
    assert "Low 1 to 4 Control owner, Owner, ISMS manager" in shown
    assert "every 12 months" in shown
    assert 'id="methodology-form"' not in page.text  # viewers revise nothing
    assert reverse("risks:methodology", kwargs={"org": "acme"}) == URL


def test_a_manager_revises_a_cell_and_the_threshold(client_for, isla, phishing):
    client = client_for(isla)
    page = client.get(URL)
    assert 'id="methodology-form"' in page.text and 'id="m-cell_4_4"' in page.text
    data = {
        **form_data(isla.ctx.org),
        "cell_4_4": 12,
        "acceptance_threshold": 12,
        "reason": "Workshop of 2026-11: admin risks rated lower",
    }
    response = client.post(URL, data, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    shown = text(response)
    assert "Methodology version 2 is in force" in shown and "Version 2 in force" in shown
    phishing.refresh_from_db()
    assert (phishing.inherent_score, phishing.inherent_level) == (12, "high")
    earlier = client.get(URL, {"version": 1})
    assert "You are looking at version 1, an earlier version." in text(earlier)
    assert 'id="methodology-form"' not in earlier.text
    assert client.get(URL, {"version": 7}).status_code == 404


def test_a_revision_is_refused_where_the_problem_is(client_for, isla, acme):
    client = client_for(isla)
    data = form_data(isla.ctx.org)
    without_reason = client.post(URL, {**data, "acceptance_threshold": 4}, headers=HTMX)
    assert without_reason.status_code == 422
    assert "Say why the methodology changes (it is recorded)." in without_reason.text
    gap = client.post(URL, {**data, "band_1_min": 7, "reason": "a gap"}, headers=HTMX)
    assert gap.status_code == 422
    assert "the bands must follow each other from 1 with no gap or overlap" in text(gap)
    same = client.post(URL, {**data, "reason": "nothing"}, headers=HTMX)
    assert same.status_code == 422 and "Nothing changed" in same.text
    colour = client.post(URL, {**data, "band_0_colour": "red", "reason": "x"}, headers=HTMX)
    assert colour.status_code == 422 and "A colour is written #rrggbb." in colour.text
    assert Methodology.objects.for_org(acme).count() == 1


def test_a_band_is_added_and_another_removed(client_for, isla, acme):
    client = client_for(isla)
    data = {
        **form_data(isla.ctx.org),
        "band_3_remove": "on",  # very high goes …
        "band_2_max": 20,
        "band_4_label": "Critical",  # … and two levels take its place
        "band_4_min": 21,
        "band_4_max": 25,
        "band_4_colour": "#6a1b9a",
        "band_4_roles": ["owner"],
        "band_2_roles": ["owner", "isms_manager"],
        "reason": "A critical level for the top scores",
    }
    response = client.post(URL, data)
    assert response.status_code == 302
    current = methodology.current(acme)
    assert [(b["key"], b["min"], b["max"]) for b in current.bands] == [
        ("low", 1, 4),
        ("medium", 5, 9),
        ("high", 10, 20),
        ("critical", 21, 25),
    ]
    assert current.bands[2]["accept_roles"] == ["owner", "isms_manager"]


def test_a_stale_revision_is_refused(client_for, isla, acme):
    client = client_for(isla)
    data = form_data(isla.ctx.org)
    methodology.revise(isla.ctx, {"review_months": 6}, reason="Twice a year")
    response = client.post(URL, {**data, "reason": "mine"}, headers=HTMX)
    assert response.status_code == 409
    assert "The methodology changed while you edited it" in response.text


@pytest.mark.parametrize("who", ["colin", "vera"])
def test_only_managers_revise(client_for, who, request, acme):
    response = client_for(request.getfixturevalue(who)).post(URL, {"reason": "x"})
    assert response.status_code == 403
    assert not Risk.objects.exists() and Methodology.objects.count() <= 1
