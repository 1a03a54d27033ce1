"""Every refusal is visible: each htmx action on the pages where people record things, sent
with an invalid value, shows the server's message next to it (a re-rendered form with its
errors, or an alert). The forms and buttons are enumerated from the pages, so a new htmx
action that gives no feedback on a refusal fails this test."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from annexa.core.testing.browser import login

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = (
    "form[hx-post], form[hx-put], form[hx-patch], "
    "[hx-post]:not(form), [hx-put]:not(form), [hx-patch]:not(form)"
)
FEEDBACK = "[role=alert], .errors, .errorlist"
BAD = "not-a-valid-value"

# Marks what the page shows before the request, makes the action's values invalid (a null
# character in text, which no field accepts; empty dates and numbers; unchecked boxes; a choice
# that does not exist; a bad value in hx-vals) and sends it without the browser's own
# checks, so the server is the one that refuses.
SEND_INVALID = """(element, bad) => {
  document.querySelectorAll("[role=alert], .errors, .errorlist")
    .forEach((node) => node.setAttribute("data-before", ""));
  if (element instanceof HTMLFormElement) {
    const values = [...element.elements].filter((field) => field.name &&
      field.name !== "csrfmiddlewaretoken" && field.type !== "submit" && field.type !== "button");
    if (!values.length) return false;  // nothing to make invalid (a confirmed removal)
    element.noValidate = true;
    for (const field of element.elements) {
      field.removeAttribute("required");
      if (field instanceof HTMLSelectElement) {
        field.add(new Option(bad, bad));
        field.value = bad;
      } else if (field instanceof HTMLTextAreaElement) {
        field.value = "\\u0000";
      } else if (field instanceof HTMLInputElement && field.type !== "hidden") {
        if (field.type === "checkbox" || field.type === "radio") field.checked = false;
        else if (field.type !== "submit" && field.type !== "button") {
          // A null character no text field accepts; fields that cannot hold it go empty.
          field.value = "\\u0000";
        }
      }
    }
    element.requestSubmit();
    return true;
  }
  const vals = element.getAttribute("hx-vals");
  if (!vals) return false;  // nothing to make invalid (a confirmed delete)
  const parsed = JSON.parse(vals);
  for (const key of Object.keys(parsed)) parsed[key] = bad;
  element.setAttribute("hx-vals", JSON.stringify(parsed));
  element.click();
  return true;
}"""

NEW_FEEDBACK = """(selector) => [...document.querySelectorAll(selector)].some((node) =>
  !node.hasAttribute("data-before") && node.textContent.trim() !== "" &&
  node.getClientRects().length > 0 && getComputedStyle(node).visibility !== "hidden")"""

NEW_FEEDBACK_TEXT = """(selector) => [...document.querySelectorAll(selector)]
  .filter((node) => !node.hasAttribute("data-before") && node.getClientRects().length > 0)
  .map((node) => node.textContent.replace(/\\s+/g, " ").trim()).join(" | ")"""


@pytest.fixture
def demo(catalog):
    """The demo organization, its ISMS manager and its internal auditor (each with an
    authenticator app), as (organization, [(user, password), …])."""
    from annexa.cli.demo import build_demo, demo_password
    from annexa.core.testing.fixtures import give_totp
    from annexa.orgs.models import User

    org, _ = build_demo()
    people = []
    for email in ("isms@kestrel.example", "auditor@kestrel.example"):
        user = User.objects.get(email=email)
        give_totp(user)
        people.append((user, demo_password(email)))
    return org, people


def manager_pages(org) -> list[tuple[str, list[str], str]]:
    """(address, buttons to click first to open the inline forms, the part of the page whose
    actions are sent) for the ISMS manager."""
    from annexa.actions.models import CorrectiveAction
    from annexa.findings.models import Finding
    from annexa.reviews.models import ManagementReview
    from annexa.risks.models import Risk

    base = f"/o/{org.slug}"
    audit = fieldwork_audit(org)
    finding = Finding.objects.filter(organization=org).order_by("pk").first()
    action = CorrectiveAction.objects.filter(organization=org).order_by("pk").first()
    review = ManagementReview.objects.filter(organization=org).order_by("pk").first()
    risk = Risk.objects.filter(organization=org, treatment="modify").order_by("pk").first()
    return [
        (f"{base}/soa/", ["tr button.link >> nth=0"], "body"),
        (f"{base}/objectives/", ["text=Add an objective"], "body"),
        (f"{base}/objectives/", ["tr button.link >> nth=0"], "body"),
        (f"{base}/context/", ["text=Add an issue"], "body"),
        (f"{base}/context/", ["#issues button.link >> nth=0"], "#issues"),
        (f"{base}/audits/owners/", [], "tbody tr >> nth=0"),
        (f"{base}/audits/{audit.pk}/", [], "body"),
        (f"{base}/audits/programmes/{audit.programme_id}/", [], "body"),
        (f"{base}/findings/{finding.pk}/", [], "body"),
        (f"{base}/actions/{action.pk}/", [], "body"),
        (f"{base}/reviews/{review.pk}/", ["section[id^=input-] button[hx-get] >> nth=0"], "body"),
        (f"{base}/risks/{risk.pk}/", [], "#risk"),
        (f"{base}/risks/methodology/", [], "#methodology"),
    ]


def auditor_pages(org) -> list[tuple[str, list[str], str]]:
    """The fieldwork pages, for the auditor who leads the audit. On the checklist every item
    offers the same actions: one item (not the first, so it can move both ways) stands for
    them, and one removed item for the restore action."""
    base = f"/o/{org.slug}"
    audit = fieldwork_audit(org)
    items = audit.checklist_items.order_by("order")
    item = items.filter(removed=False)[1]
    pages = [
        (f"{base}/audits/{audit.pk}/checklist/", [], f"#item-{item.pk}"),
        (f"{base}/audits/checklist/items/{item.pk}/", [], "body"),
    ]
    removed = items.filter(removed=True).first()
    if removed is not None:
        pages.append(
            (f"{base}/audits/{audit.pk}/checklist/?removed=yes", [], f"#item-{removed.pk}")
        )
    return pages


def fieldwork_audit(org):
    from annexa.audits.choices import AuditStatus
    from annexa.audits.models import Audit

    return Audit.objects.get(organization=org, status=AuditStatus.FIELDWORK)


def open_page(page, url: str, openers: list[str]) -> None:
    page.goto(url)
    for opener in openers:
        page.locator(opener).click()
        page.wait_for_load_state("networkidle")


def refuse_each(page, pages: list[tuple[str, list[str], str]]) -> tuple[list[str], list[str]]:
    """Send every htmx action of ``pages`` with invalid values: (what was sent, what stayed
    silent)."""
    sent: list[str] = []
    silent: list[str] = []
    for url, openers, scope in pages:
        open_page(page, url, openers)
        actions = page.locator(scope).locator(ACTIONS)
        for index in range(actions.count()):
            if index:
                open_page(page, url, openers)
            element = actions.nth(index)
            name = f"{url} #{index} {element.evaluate('e => e.outerHTML.slice(0, 120)')}"
            if not element.evaluate(SEND_INVALID, BAD):
                # An action that sends no value (delete, revoke, remove) cannot be sent with
                # an invalid one; it must ask first, and its refusals (a permission, a state)
                # take the same way through annexa.js as the others.
                assert element.get_attribute("hx-confirm"), f"no value to make invalid: {name}"
                continue
            sent.append(name)
            try:
                page.wait_for_function(NEW_FEEDBACK, arg=FEEDBACK, timeout=5_000)
            except PlaywrightTimeout:
                silent.append(name)
                continue
            assert page.evaluate(NEW_FEEDBACK_TEXT, FEEDBACK), name
    return sent, silent


def test_every_htmx_action_shows_the_servers_refusal(page, demo):
    org, ((manager, manager_password), (auditor, auditor_password)) = demo
    login(page, manager.email, manager_password)
    sent, silent = refuse_each(page, manager_pages(org))
    page.context.clear_cookies()
    login(page, auditor.email, auditor_password)
    more, still_silent = refuse_each(page, auditor_pages(org))
    sent, silent = sent + more, silent + still_silent
    assert not silent, "refused without a visible message:\n" + "\n".join(silent)
    # What the issue names is among them: the SoA row, an objective, the audit team, the root
    # cause, a review input, a checklist item (inline and on its page) and its move buttons.
    for expected in (
        "/soa/",
        "/objectives/",
        "/context/",
        "/audits/owners/",
        "/team/",
        "/root-cause/",
        "/reviews/inputs/",
        "/risks/",
        "/checklist/items/",
        "direction",
    ):
        assert any(expected in name for name in sent), (expected, sent)
