"""A risk owner in a real browser: signs in, assesses a risk, picks controls for its treatment
(searching the picker), sees the SoA's proposal for a control the SoA has not decided, has a
residual risk above the inherent one refused with the reason beside the form, sets the residual
risk and accepts it. Every step is swapped in place by htmx; the page is checked after each."""

from __future__ import annotations

import os

import pytest

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD
from annexa.isms.services.soa import ensure_soa, update_soa_entry
from annexa.risks.choices import RiskStatus
from annexa.risks.models import Risk
from annexa.risks.services import risks

pytestmark = pytest.mark.django_db(transaction=True)
# Where the screenshots go (looked at by people checking the pages); nothing is written elsewhere.
SHOTS = os.environ.get("ANNEXA_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def ransomware(server, isla, colin):
    """Colin's risk, identified but not assessed; the SoA decided A.8.13 and nothing else."""
    org = isla.ctx.org
    ensure_soa(org)
    update_soa_entry(
        isla.ctx, "A.8.13", {"applicable": True, "justification": "Backups are required."}
    )
    return risks.create_risk(
        isla.ctx,
        {
            "title": "Ransomware on the file server",
            "threat": "Ransomware delivered by e-mail",
            "vulnerability": "Shares writable by every laptop; backups online",
            "consequence": "Files encrypted, work stops for days",
            "existing_controls": "Anti-virus on laptops",
            "owner": colin.user,
            "assets": [server],
        },
    )


def test_the_risk_owner_assesses_treats_and_accepts_a_risk(page, colin, ransomware):
    login(page, colin.user.email, PASSWORD)
    page.goto(f"/o/acme/risks/{ransomware.pk}/")
    risk = page.locator("#risk")
    assert risk.locator(".risk-status .badge").inner_text() == "Identified"
    inherent = page.locator("#step-inherent")
    assert "not assessed" in inherent.inner_text()

    # 1. The inherent risk, with the methodology's labels.
    form = page.locator("#inherent-form")
    form.get_by_label("Likelihood").select_option(label="4 · Likely")
    form.get_by_label("Impact").select_option(label="4 · Major")
    form.get_by_role("button", name="Save the inherent risk").click()
    page.get_by_text("R-0001: inherent risk saved.").wait_for()
    assert "High · 16" in inherent.inner_text()
    assert "Expected within a year" in inherent.inner_text()
    assert "above the acceptance threshold (9)" in inherent.inner_text()
    assert risk.locator(".risk-status .badge").inner_text() == "Assessed"

    # 2. The treatment: the option, the plan and two controls found with the picker's search.
    form = page.locator("#treatment-form")
    form.get_by_label("Treatment option").select_option("modify")
    form.get_by_label("Treatment plan").fill("Block macros, keep offline backups.")
    search = form.get_by_label("Search the controls")
    search.fill("malware")
    malware = form.get_by_label("A.8.7 Protection against malware")
    assert malware.is_visible()
    assert not form.get_by_label("A.8.13 Information backup").is_visible()
    malware.check()
    search.fill("A.8.13")
    form.get_by_label("A.8.13 Information backup").check()
    assert form.locator("[data-picker-count]").inner_text() == "2 chosen"
    search.fill("")
    form.get_by_role("button", name="Save the treatment").click()
    page.get_by_text("R-0001: treatment saved.").wait_for()
    treatment = page.locator("#step-treatment")
    proposal = treatment.locator("#control-a87")
    assert (
        "A.8.7 is not yet decided in the SoA: proposed as applicable, justified by this risk."
        in proposal.inner_text()
    )
    assert "An ISMS manager decides it in the SoA." in proposal.inner_text()
    assert "Applicable · " in treatment.locator("#control-a813").inner_text()
    assert risk.locator(".risk-status .badge").inner_text() == "Treatment planned"
    shot(page, "risk-treated")

    # A residual risk above the inherent one is refused, the reason beside the form.
    form = page.locator("#residual-form")
    form.get_by_label("Likelihood").select_option("5")
    form.get_by_label("Impact").select_option("5")
    form.get_by_role("button", name="Save the residual risk").click()
    refusal = page.locator("#residual-form [role=alert]")
    refusal.first.wait_for()
    assert "The residual risk cannot be higher than the inherent risk" in refusal.first.inner_text()
    assert refusal.first.is_visible()
    assert Risk.objects.get(pk=ransomware.pk).residual_score is None

    # 3. The residual risk.
    form = page.locator("#residual-form")
    form.get_by_label("Likelihood").select_option(label="2 · Unlikely")
    form.get_by_label("Impact").select_option(label="2 · Minor")
    form.get_by_role("button", name="Save the residual risk").click()
    page.get_by_text("R-0001: residual risk saved.").wait_for()
    residual = page.locator("#step-residual")
    assert "Low · 4" in residual.inner_text()
    assert "within the acceptance criteria" in residual.inner_text()

    # 4. The owner accepts it.
    acceptance = page.locator("#step-acceptance")
    assert "As the risk owner you may accept this residual risk" in acceptance.inner_text()
    acceptance.get_by_role("button", name="Accept the residual risk").click()
    page.get_by_text("R-0001: residual risk accepted.").wait_for()
    accepted = acceptance.inner_text()
    assert "Accepted by Colin Owner" in accepted and "accepted as Control owner" in accepted
    assert risk.locator(".risk-status .badge").inner_text() == "Treated"
    history = page.locator("section[aria-labelledby=history-heading] table").inner_text()
    assert "accept residual" in history
    shot(page, "risk-accepted")

    saved = Risk.objects.get(pk=ransomware.pk)
    assert (saved.status, saved.residual_level) == (RiskStatus.TREATED, "low")
    assert sorted(c.id for c in saved.controls.all()) == ["A.8.13", "A.8.7"]

    # The heat maps now count it in both cells, and lead back to it.
    page.goto("/o/acme/risks/heatmap/")
    page.locator("#heatmap-inherent a", has_text="1").click()
    page.wait_for_load_state("networkidle")
    assert "Ransomware on the file server" in page.locator("#risk-rows").inner_text()
    page.goto("/o/acme/risks/heatmap/")
    shot(page, "risk-heatmap")
