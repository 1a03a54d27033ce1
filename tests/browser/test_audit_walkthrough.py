"""An auditor in a real browser works through a small audit: opens and generates the checklist,
records a minor nonconformity with evidence uploaded on the spot, records the other items
inline, draws a sample and records a result, is told fieldwork cannot close while the
nonconformity has no finding, raises it from the item, and closes fieldwork (the audit moves to
reporting)."""

from __future__ import annotations

import pytest

from annexa.audits.models import Audit, ChecklistItem, Sample
from annexa.audits.tests.fieldwork_fixtures import build_audit, set_catalog_text
from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def audit(acme, audrey) -> Audit:
    # The personas share one cached password hash, made with whichever hasher the first test
    # of the session used (some test packages switch to MD5): hash it here with this one's.
    audrey.user.set_password(PASSWORD)
    audrey.user.save(update_fields=["password"])
    audit = build_audit(acme, lead=audrey.user)
    set_catalog_text()
    return audit


def test_it_walks_an_auditor_through_a_small_audit(page, audit, audrey):
    login(page, audrey.user.email, PASSWORD)

    # Open the checklist from the audit's page and generate it from the scope.
    page.goto(f"/o/acme/audits/{audit.pk}/")
    page.get_by_role("link", name="Open the checklist").click()
    page.get_by_role("button", name="Generate the checklist").click()
    page.get_by_text("0 of 3 items assessed").wait_for()
    items = {i.subject_id: i for i in ChecklistItem.objects.filter(audit=audit)}

    # A minor nonconformity on A.8.5, with evidence uploaded on the item's page.
    page.locator(f"#item-{items['A.8.5'].pk} h3 a").click()
    page.get_by_label("Result").select_option("minor_nc")
    page.get_by_label("Technical test").check()
    page.get_by_label("What was examined").fill("MFA settings of the identity provider")
    page.get_by_label("How it was verified").fill("Signed in as a test admin without MFA.")
    page.get_by_label("Upload evidence on the spot").set_input_files(
        {"name": "mfa-settings.txt", "mimeType": "text/plain", "buffer": b"MFA: optional\n"}
    )
    page.get_by_label("Title of the upload").fill("MFA settings export")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("A.8.5 saved (version 2)").wait_for()
    # Listed twice: on file for A.8.5 (the upload is linked to the control) and linked here.
    assert page.get_by_role("link", name="MFA settings export").count() == 2

    # A sample of the joiners, statistical rule, fixed seed.
    page.get_by_role("link", name="Take a sample").click()
    page.get_by_label("…or paste the records").fill(
        "\n".join(f"joiner-{n:03d}" for n in range(200))
    )
    page.get_by_label("Seed").fill("annexa-2026")
    page.get_by_role("button", name="Draw the sample").click()
    page.get_by_role("heading", name="Sample of 46 from 200 records").wait_for()
    first = page.locator("tbody tr").first
    first.get_by_role("combobox").select_option("conforming")
    with page.expect_response(lambda response: "/samples/records/" in response.url):
        first.get_by_role("button", name="Save").click()
    assert Sample.objects.get().records.filter(result="conforming").count() == 1

    # The two other items, inline on the checklist page.
    page.goto(f"/o/acme/audits/{audit.pk}/checklist/")
    for subject in ("7.2", "A.5.15"):
        block = page.locator(f"#item-{items[subject].pk}")
        block.locator("select[name=result]").select_option("conforming")
        block.get_by_label("Interview").check()
        block.get_by_role("button", name=f"Save {subject}").click()
        page.locator(f"#item-{items[subject].pk}").get_by_text("Saved (version 2)").wait_for()
    page.get_by_text("3 of 3 items assessed").wait_for()

    # Fieldwork cannot close while the nonconformity has no finding: the page says why.
    page.reload()
    page.get_by_text("Fieldwork cannot close yet").click()
    page.get_by_text("A.8.5").filter(has_text="no nonconformity was raised").first.wait_for()
    assert page.locator("#close-fieldwork").count() == 0

    # Raise it from the item: the form starts from what the item recorded.
    page.locator(f"#item-{items['A.8.5'].pk}").get_by_role("link", name="Raise finding").click()
    page.get_by_label("The requirement, in your own words").fill(
        "Administrators sign in with a second factor."
    )
    page.get_by_label("Nature of the gap").select_option("missing")
    page.get_by_role("button", name="Raise as draft").click()
    page.get_by_text("saved.").first.wait_for()

    # Close fieldwork: the audit moves to reporting.
    page.goto(f"/o/acme/audits/{audit.pk}/checklist/")
    page.get_by_role("button", name="Close fieldwork (move to reporting)").click()
    page.get_by_text("Fieldwork closed").wait_for()
    audit.refresh_from_db()
    assert audit.status == "reporting"
    assert ChecklistItem.objects.get(pk=items["A.8.5"].pk).result == "minor_nc"
