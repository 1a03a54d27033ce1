"""Planning an audit in a real browser: search the controls, take a whole Annex A theme, see a
control the SoA excludes refused by name, then confirm that the approval is withdrawn."""

from __future__ import annotations

import pytest

from annexa.audits.models import Audit
from annexa.audits.services import programme as programme_service
from annexa.audits.tests.test_views import planned_programme
from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def programme(acme, catalog, isla, colin):
    planned = planned_programme(acme, isla, colin, {"A.7.4": "No premises of our own."})
    return programme_service.approve_programme(isla.ctx, planned)


def test_it_plans_an_audit_with_the_grouped_picker(page, programme, isla):
    from annexa.catalog.models import Control

    # The personas share one cached password hash made with the first test's hasher.
    isla.user.set_password(PASSWORD)
    isla.user.save(update_fields=["password"])
    login(page, isla.user.email, PASSWORD)
    page.goto(f"/o/acme/audits/programmes/{programme.pk}/audits/new/")
    assert "withdraws the approval" in page.locator("p.notice").inner_text()
    page.get_by_label("Title").fill("Physical security")
    page.get_by_label("Planned start").fill("2026-06-01")
    page.get_by_label("Planned end").fill("2026-06-02")

    controls = page.locator("#picker-controls")
    search = controls.get_by_label("Search the controls")
    search.fill("monitoring")
    monitoring = controls.get_by_role("checkbox", name="A.7.4 Physical security monitoring")
    monitoring.wait_for(state="visible")
    assert controls.get_by_role("checkbox", name="A.5.15 Access control").is_hidden()
    assert controls.locator("fieldset[data-picker-group]:visible").count() < 4
    search.fill("")

    controls.get_by_role("checkbox", name="Whole group: A.7 Physical controls").check()
    physical = set(Control.objects.filter(theme="physical").values_list("id", flat=True))
    ticked = controls.locator("input[name=controls]:checked")
    assert ticked.count() == len(physical) - 1  # all but the excluded A.7.4
    assert not monitoring.is_checked()
    count = controls.locator("[data-picker-count]").inner_text()
    assert f"{len(physical) - 1} of 93 chosen" in count

    search.fill("A.7.4")
    monitoring.check()
    page.get_by_role("button", name="Save").click()
    refusal = page.locator("#picker-controls-errors")
    refusal.wait_for()
    assert "Not applicable in the Statement of Applicability: A.7.4" in refusal.inner_text()
    assert not Audit.objects.filter(title="Physical security").exists()

    # Everything chosen is still ticked: take the excluded control out and save again.
    monitoring = page.get_by_role("checkbox", name="A.7.4 Physical security monitoring")
    monitoring.uncheck()
    page.get_by_role("button", name="Save").click()
    page.locator("#confirm-withdrawal").wait_for()
    programme.refresh_from_db()
    assert programme.is_approved
    page.locator("#confirm-withdrawal").get_by_role(
        "button", name="Add the audit and withdraw the approval"
    ).click()
    page.get_by_text("was withdrawn").wait_for()
    audit = Audit.objects.get(title="Physical security")
    scoped = set(audit.scope_controls.values_list("control_id", flat=True))
    assert scoped == physical - {"A.7.4"}
    programme.refresh_from_db()
    assert not programme.is_approved
