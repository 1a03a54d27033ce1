"""The risk register's pages: the list, a risk's page and every change made on it (with its
refusals shown where the person is looking), creating and editing risks, the heat maps, and who
may see or do what."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from annexa.isms.models import SoAEntry
from annexa.isms.services.soa import ensure_soa, update_soa_entry
from annexa.risks.choices import RiskStatus
from annexa.risks.models import Risk, TreatmentAction
from annexa.risks.services import risks

HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"risks:{name}", kwargs={"org": "acme", **kwargs})


def text(response) -> str:
    """The page's text without tags, spaces folded (what a person reads)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def treated(phishing, colin):
    """R-0001 treated with A.8.5 and A.8.7, residual 2 × 2 (low)."""
    return risks.update_risk(
        colin.ctx,
        phishing,
        {
            "treatment": "modify",
            "controls": ["A.8.5", "A.8.7"],
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )


# --- the register -------------------------------------------------------------------------


def test_the_register_shows_labels_levels_and_overdue_reviews(client_for, vera, phishing, isla):
    risks.update_risk(isla.ctx, phishing, {"review_date": "2020-01-01"})
    page = client_for(vera).get(url("list"))
    assert page.status_code == 200
    shown = text(page)
    assert "R-0001" in shown and "Credential phishing of administrators" in shown
    assert "Colin Owner" in shown and "High · 16" in shown and "Assessed" in shown
    assert "2020-01-01 overdue" in shown and "1 review overdue" in shown
    assert "New risk" not in shown  # a viewer reads, never creates
    assert 'href="/o/acme/risks/heatmap/"' in page.text


def test_the_register_filters_and_sorts(client_for, isla, colin, phishing):
    risks.create_risk(
        isla.ctx,
        {"title": "Flood", "owner": isla.user, "inherent_likelihood": 1, "inherent_impact": 2},
    )
    client = client_for(isla)
    assert "New risk" in text(client.get(url("list")))
    rows = client.get(url("list"), {"above": "true"}, headers=HTMX)
    assert "<html" not in rows.text
    assert "R-0001" in rows.text and "R-0002" not in rows.text
    cell = client.get(url("list"), {"basis": "inherent", "likelihood": "1", "impact": "2"})
    assert "R-0002" in cell.text and "R-0001" not in cell.text
    assert "Showing the heat-map cell of the inherent risk: likelihood 1 · Rare" in text(cell)
    owner = client.get(url("list"), {"owner": colin.user.email}, headers=HTMX)
    assert "R-0001" in owner.text and "R-0002" not in owner.text
    by_score = client.get(url("list"), {"sort": "-inherent"}, headers=HTMX).text
    assert by_score.index("R-0001") < by_score.index("R-0002")
    assert 'aria-sort="descending"' in by_score
    refused = client.get(url("list"), {"likelihood": "9"}, headers=HTMX)
    assert "The likelihood scale goes from 1 to 5" in refused.text
    assert "R-0001" not in refused.text


def test_an_empty_register_and_heat_map_say_so(client_for, vera, catalog):
    assert "The register is empty." in text(client_for(vera).get(url("list")))
    heat = client_for(vera).get(url("heatmap"))
    assert heat.status_code == 200
    assert "Inherent risk (before treatment): 0 risks assessed" in text(heat)


def test_the_heat_maps_count_each_cell_and_lead_to_the_register(client_for, vera, treated):
    page = client_for(vera).get(url("heatmap"))
    shown = text(page)
    assert "Inherent risk (before treatment): 1 risk assessed" in shown
    assert "Residual risk (after treatment): 1 risk assessed" in shown
    assert '<th scope="row">4 Likely</th>' in page.text  # table semantics, labelled axes
    inherent = "/o/acme/risks/?status=open&amp;basis=inherent&amp;likelihood=4&amp;impact=4"
    residual = "/o/acme/risks/?status=open&amp;basis=residual&amp;likelihood=2&amp;impact=2"
    assert f'href="{inherent}"' in page.text and f'href="{residual}"' in page.text
    assert (
        'aria-label="1 risk: likelihood Likely, impact Major, level High (score 16)"' in page.text
    )
    followed = client_for(vera).get(inherent.replace("&amp;", "&"))
    assert "R-0001" in followed.text


# --- a risk's page: who sees what -----------------------------------------------------------


def test_the_owner_sees_every_form_of_the_risk(client_for, colin, treated):
    page = client_for(colin).get(url("detail", pk=treated.pk))
    assert page.status_code == 200
    for form in ("inherent-form", "treatment-form", "residual-form", "accept-form", "action-form"):
        assert f'id="{form}"' in page.text, form
    assert 'id="close-form"' not in page.text  # closing is a manager's
    shown = text(page)
    assert "4 · Likely" in shown and "Expected within a year" in shown  # the scale's words
    assert "Low · 4" in shown and "Modify (apply controls)" in shown
    assert "Edit the description" in shown


@pytest.mark.parametrize("who", ["vera", "audrey"])
def test_viewers_and_auditors_read_without_forms(client_for, who, treated, request):
    page = client_for(request.getfixturevalue(who)).get(url("detail", pk=treated.pk))
    assert page.status_code == 200
    assert "<form" not in page.text.split('id="risk"')[1]
    shown = text(page)
    assert "Credential phishing of administrators" in shown and "Low · 4" in shown
    assert "only the risk owner, colin@acme.test, accepts the residual risk" in shown
    assert "Edit the description" not in shown


def test_another_organization_sees_nothing(client_for, oscar, phishing):
    client = client_for(oscar)
    assert client.get(url("detail", pk=phishing.pk)).status_code == 404
    response = client.post(url("inherent", pk=phishing.pk), {"version": 1})
    assert response.status_code == 404


def test_a_viewer_may_change_nothing(client_for, vera, phishing):
    client = client_for(vera)
    for name in ("inherent", "treatment", "residual", "accept", "close", "soa", "add-action"):
        assert client.post(url(name, pk=phishing.pk), {"version": 1}).status_code == 403, name
    assert client.get(url("create")).status_code == 403
    assert client.get(url("edit", pk=phishing.pk)).status_code == 403


# --- assessing, treating, accepting ---------------------------------------------------------


def test_the_owner_assesses_the_inherent_risk_in_place(client_for, colin, phishing):
    response = client_for(colin).post(
        url("inherent", pk=phishing.pk),
        {"version": phishing.version, "inherent_likelihood": "5", "inherent_impact": "5"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "<html" not in response.text
    shown = text(response)
    assert "R-0001: inherent risk saved." in shown and "Very high · 25" in shown
    phishing.refresh_from_db()
    assert (phishing.inherent_score, phishing.inherent_level) == (25, "very_high")


def test_a_refused_assessment_says_why_in_its_form(client_for, colin, phishing):
    client = client_for(colin)
    bad = client.post(
        url("inherent", pk=phishing.pk),
        {"version": phishing.version, "inherent_likelihood": "9", "inherent_impact": "2"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "Select a valid choice. 9 is not one of the available choices." in bad.text
    assert 'role="alert"' in bad.text and 'id="inherent-form"' in bad.text
    stale = client.post(
        url("inherent", pk=phishing.pk),
        {"version": phishing.version - 1 or 99, "inherent_likelihood": "2", "inherent_impact": "2"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "Your changes were not saved" in stale.text and "Reload the risk" in stale.text
    phishing.refresh_from_db()
    assert phishing.inherent_likelihood == 4


def test_a_residual_risk_above_the_inherent_one_is_refused(client_for, colin, phishing):
    response = client_for(colin).post(
        url("residual", pk=phishing.pk),
        {"version": phishing.version, "residual_likelihood": "5", "residual_impact": "5"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "The residual risk cannot be higher than the inherent risk" in response.text


def test_the_treatment_shows_the_soa_proposal_and_conflict(client_for, colin, isla, phishing):
    ensure_soa(isla.ctx.org)
    update_soa_entry(isla.ctx, "A.8.5", {"applicable": False, "justification": "No admins."})
    response = client_for(colin).post(
        url("treatment", pk=phishing.pk),
        {
            "version": phishing.version,
            "treatment": "modify",
            "treatment_plan": "MFA for every admin console.",
            "controls": ["A.8.5", "A.8.7"],
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    shown = text(response)
    assert (
        "A.8.7 is not yet decided in the SoA: proposed as applicable, justified by this risk."
        in shown
    )
    assert "A.8.5 is excluded in the SoA although this risk's treatment chose it." in shown
    assert "An ISMS manager decides it in the SoA." in shown  # Colin may not change the SoA
    assert "Accept the proposal" not in shown
    page = client_for(isla).get(url("detail", pk=phishing.pk))
    assert "Accept the proposal: A.8.7 applicable" in text(page)
    assert "Review A.8.5 in the SoA" in text(page)


def test_a_manager_accepts_the_soa_proposal(client_for, isla, colin, treated):
    ensure_soa(isla.ctx.org)
    refused = client_for(colin).post(url("soa", pk=treated.pk), {"control": "A.8.7"})
    assert refused.status_code == 403
    client = client_for(isla)
    response = client.post(url("soa", pk=treated.pk), {"control": "A.8.7"}, headers=HTMX)
    assert response.status_code == 200
    assert "A.8.7 is now applicable in the SoA, justified by the risk treatment" in text(response)
    entry = SoAEntry.objects.get(organization=isla.ctx.org, control_id="A.8.7")
    assert entry.applicable and "R-0001" in entry.justification
    again = client.post(url("soa", pk=treated.pk), {"control": "A.8.7"}, headers=HTMX)
    assert again.status_code == 422
    assert "No risk treatment proposes A.8.7" in again.text


def test_the_owner_accepts_the_residual_risk(client_for, colin, treated):
    response = client_for(colin).post(
        url("accept", pk=treated.pk), {"version": treated.version, "reason": ""}, headers=HTMX
    )
    assert response.status_code == 200
    shown = text(response)
    assert "R-0001: residual risk accepted." in shown
    assert "Accepted by Colin Owner" in shown and "accepted as Control owner" in shown
    treated.refresh_from_db()
    assert treated.is_accepted and treated.status == RiskStatus.TREATED


def test_above_the_threshold_acceptance_needs_a_reason(client_for, alice, isla, phishing):
    risks.update_risk(isla.ctx, phishing, {"owner": alice.user})
    risk = risks.update_risk(
        alice.ctx, phishing, {"treatment": "retain", "residual_likelihood": 3, "residual_impact": 4}
    )
    client = client_for(alice)
    page = client.get(url("detail", pk=risk.pk))
    assert "required: it is above the threshold" in page.text
    refused = client.post(url("accept", pk=risk.pk), {"version": risk.version}, headers=HTMX)
    assert refused.status_code == 422
    assert "is above the acceptance threshold (9): say why it is accepted" in refused.text
    accepted = client.post(
        url("accept", pk=risk.pk),
        {"version": risk.version, "reason": "Insured until the migration."},
        headers=HTMX,
    )
    assert accepted.status_code == 200 and "Insured until the migration." in accepted.text


def test_who_may_not_accept_is_told_why(client_for, colin, isla, phishing):
    risk = risks.update_risk(
        isla.ctx, phishing, {"treatment": "retain", "residual_likelihood": 3, "residual_impact": 4}
    )
    shown = text(client_for(colin).get(url("detail", pk=risk.pk)))
    assert "Acceptance is not open to you: a high residual risk is accepted by: Owner" in shown
    assert 'id="accept-form"' not in shown
    posted = client_for(colin).post(url("accept", pk=risk.pk), {"version": risk.version})
    assert posted.status_code == 422  # the service's refusal, on the page
    assert "Not accepted: a high residual risk is accepted by: Owner" in posted.text


def test_treatment_actions_are_added_and_moved_on(client_for, colin, treated):
    client = client_for(colin)
    due = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    added = client.post(
        url("add-action", pk=treated.pk),
        {"title": "Enforce MFA", "owner": colin.user.pk, "due_date": due, "control": "A.8.5"},
        headers=HTMX,
    )
    assert added.status_code == 200
    shown = text(added)
    assert "RT-0001 added to the treatment plan" in shown and "overdue" in shown
    action = TreatmentAction.objects.get()
    moved = client.post(url("action", pk=action.pk), {"status": "in_progress"}, headers=HTMX)
    assert moved.status_code == 200 and "RT-0001 is now in progress" in text(moved)
    refused = client.post(
        url("add-action", pk=treated.pk),
        {"title": "", "owner": colin.user.pk, "due_date": "soon"},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert "This field is required." in refused.text and "Enter a valid date." in refused.text
    bad = client.post(url("action", pk=action.pk), {"status": "finished"}, headers=HTMX)
    assert bad.status_code == 422 and "finished is not one of the available choices" in bad.text


def test_a_manager_closes_a_risk_with_a_reason(client_for, isla, colin, phishing):
    assert client_for(colin).post(url("close", pk=phishing.pk), {}).status_code == 403
    client = client_for(isla)
    refused = client.post(url("close", pk=phishing.pk), {"version": phishing.version}, headers=HTMX)
    assert refused.status_code == 422 and "Say why the risk no longer applies." in refused.text
    closed = client.post(
        url("close", pk=phishing.pk),
        {"version": phishing.version, "reason": "The admin console was retired."},
    )
    assert closed.status_code == 302
    phishing.refresh_from_db()
    assert phishing.status == RiskStatus.CLOSED
    page = client.get(url("detail", pk=phishing.pk))
    assert "The risk is closed: there is no residual risk to accept." in text(page)
    assert 'id="inherent-form"' not in page.text


def test_the_history_reads_in_words(client_for, vera, treated, colin):
    risks.accept_residual(colin.ctx, treated)
    shown = text(client_for(vera).get(url("detail", pk=treated.pk)))
    assert "status: Assessed → Treatment planned" in shown
    assert "residual level: — → Low" in shown
    assert "role: Control owner" in shown
    for raw in ("treatment_planned", "control_owner", "very_high"):
        assert raw not in shown


# --- creating and editing -----------------------------------------------------------------


def test_a_manager_creates_a_risk(client_for, isla, colin, server):
    client = client_for(isla)
    assert client.get(url("create")).status_code == 200
    refused = client.post(url("create"), {"title": "", "owner": colin.user.pk})
    assert refused.status_code == 422 and "This field is required." in refused.text
    created = client.post(
        url("create"),
        {
            "title": "Laptop theft",
            "threat": "Theft from a car",
            "owner": colin.user.pk,
            "assets": [server.pk],
            "inherent_likelihood": "3",
            "inherent_impact": "3",
        },
    )
    risk = Risk.objects.get(title="Laptop theft")
    assert created.status_code == 302 and created.url == url("detail", pk=risk.pk)
    assert risk.inherent_score == 9 and list(risk.assets.all()) == [server]
    assert client_for(colin).get(url("create")).status_code == 403


def test_the_owner_edits_the_description(client_for, colin, isla, phishing):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    client = client_for(colin)
    page = client.get(url("edit", pk=phishing.pk))
    assert page.status_code == 200 and "Targeted phishing" in page.text
    data = {
        "title": "Phishing of administrators",
        "owner": colin.user.pk,
        "version": phishing.version,
        "reason": "Shorter title",
    }
    assert client.post(url("edit", pk=phishing.pk), data).status_code == 302
    phishing.refresh_from_db()
    assert phishing.title == "Phishing of administrators"
    stale = client.post(url("edit", pk=phishing.pk), {**data, "title": "Again"})
    assert stale.status_code == 409 and "Your changes were not saved" in stale.text
    carl = make_persona(isla.ctx.org, "carl@acme.test", Role.CONTROL_OWNER)
    assert client_for(carl).get(url("edit", pk=phishing.pk)).status_code == 403


def test_another_control_owner_is_told_why_not_and_works_only_their_action(
    client_for, colin, isla, phishing
):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    carl = make_persona(isla.ctx.org, "carl@acme.test", Role.CONTROL_OWNER, "Carl Other")
    action = risks.add_action(
        colin.ctx,
        phishing,
        {"title": "Patch the VPN", "owner": carl.user, "due_date": "2027-01-31"},
    )
    client = client_for(carl)
    page = client.get(url("detail", pk=phishing.pk))
    assert 'id="inherent-form"' not in page.text and 'id="action-form"' not in page.text
    assert f'id="action-{action.pk}-status"' in page.text  # his own action's status
    refused = client.post(
        url("inherent", pk=phishing.pk),
        {"version": phishing.version, "inherent_likelihood": "1", "inherent_impact": "1"},
        headers=HTMX,
    )
    assert refused.status_code == 403
    assert "Not allowed: only the owner of R-0001 (colin@acme.test) or an ISMS manager" in text(
        refused
    )
    done = client.post(url("action", pk=action.pk), {"status": "done"}, headers=HTMX)
    assert done.status_code == 200 and "RT-0001 is now done" in text(done)
