"""Corrective-action pages: list with overdue highlighted, detail, the 5-whys editor, steps,
the effectiveness review, exports, and the dashboard numbers."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from annexa.actions import services
from annexa.actions.models import CorrectiveAction

HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"org": "acme", **kwargs})


def test_it_highlights_overdue_actions(client_for, vera, action, isla):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.update_action(isla.ctx, action, {"due_date": yesterday})
    page = client_for(vera).get(url("list"))
    assert page.status_code == 200
    assert 'class="overdue"' in page.text and "1 day overdue" in page.text
    assert "New action" not in page.text
    rows = client_for(vera).get(url("list"), {"overdue": "on"}, headers=HTMX)
    assert "<html" not in rows.text and action.reference in rows.text


def test_it_shows_the_action_with_no_automated_test(client_for, vera, implemented):
    page = client_for(vera).get(url("detail", pk=implemented.pk))
    assert page.status_code == 200
    assert "No automated test for A.8.5 has run in this organization" in page.text
    assert "Why no MFA?" in page.text and "Record the review" not in page.text


def test_it_adds_and_removes_five_whys_rows_with_htmx(client_for, colin, action):
    client = client_for(colin)
    editor = client.post(
        url("root-cause", pk=action.pk),
        {"root_cause": "Exempt", "why": ["Why?"], "because": ["Exempt."], "op": "add"},
        headers=HTMX,
    )
    assert editor.status_code == 200 and "<html" not in editor.text
    assert editor.text.count('class="why-row"') == 2
    editor = client.post(
        url("root-cause", pk=action.pk),
        {
            "root_cause": "Exempt",
            "why": ["Why?", "Why 2?"],
            "because": ["A", "B"],
            "op": "remove-0",
        },
        headers=HTMX,
    )
    assert editor.text.count('class="why-row"') == 1 and "Why 2?" in editor.text
    action.refresh_from_db()
    assert action.five_whys == []  # adding and removing rows saves nothing
    saved = client.post(
        url("root-cause", pk=action.pk),
        {"root_cause": "Exempt", "why": ["Why 2?"], "because": ["B"], "op": "save"},
        headers=HTMX,
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    action.refresh_from_db()
    assert action.root_cause == "Exempt"
    assert action.five_whys == [{"why": "Why 2?", "because": "B"}]


def test_it_reports_a_bad_five_whys_row(client_for, colin, action):
    response = client_for(colin).post(
        url("root-cause", pk=action.pk),
        {"root_cause": "", "why": [""], "because": ["orphan"], "op": "save"},
        headers=HTMX,
    )
    assert response.status_code == 400 and "why before because" in response.text


def test_it_refuses_a_null_character_in_the_root_cause_with_a_message(client_for, colin, action):
    # PostgreSQL cannot store it: without the check the save ends in a server error.
    response = client_for(colin).post(
        url("root-cause", pk=action.pk),
        {"root_cause": "Exempt\x00", "op": "save"},
        headers=HTMX,
    )
    assert response.status_code == 400 and "Remove the null character" in response.text
    action.refresh_from_db()
    assert action.root_cause == ""


def test_it_walks_the_steps_and_keeps_the_owner_from_reviewing(
    client_for, colin, audrey, isla, action
):
    owner = client_for(colin)
    assert owner.post(url("start", pk=action.pk)).status_code == 302
    blocked = owner.post(url("implement", pk=action.pk), {"note": ""})
    assert blocked.status_code == 400 and "root cause" in blocked.text
    services.set_root_cause(colin.ctx, action, "Exemptions.")
    assert owner.post(url("implement", pk=action.pk), {"note": "Done"}).status_code == 302
    review = {
        "reviewed_on": timezone.localdate().isoformat(),
        "method": "document_review",
        "conclusion": "effective",
        "notes": "Sign-ins since the fix all use MFA.",
    }
    assert owner.post(url("review", pk=action.pk), review).status_code == 403
    page = client_for(audrey).get(url("detail", pk=action.pk))
    assert "Record the review" in page.text
    assert client_for(audrey).post(url("review", pk=action.pk), review).status_code == 302
    assert client_for(isla).post(url("close", pk=action.pk), {"note": ""}).status_code == 302
    action.refresh_from_db()
    assert action.status == "closed"


def test_it_refuses_closing_without_a_review(client_for, isla, implemented):
    response = client_for(isla).post(url("close", pk=implemented.pk), {"note": ""})
    assert response.status_code == 400 and "needs an effectiveness review" in response.text


def test_it_creates_an_action_from_a_finding_and_edits_it(client_for, colin, open_nc):
    client = client_for(colin)
    form = client.get(url("create"), {"finding": open_nc.pk})
    assert form.status_code == 200 and open_nc.reference in form.text
    response = client.post(
        url("create"),
        {
            "finding": open_nc.pk,
            "plan": "Enforce MFA.",
            "owner": colin.user.pk,
            "due_date": "2030-01-31",
        },
    )
    action = CorrectiveAction.objects.get()
    assert response.status_code == 302 and action.finding == open_nc
    edit = client.post(
        url("edit", pk=action.pk),
        {
            "title": action.title,
            "plan": "Enforce MFA everywhere.",
            "owner": colin.user.pk,
            "due_date": "2030-02-28",
            "control": "A.8.5",
            "reason": "Wider scope.",
        },
    )
    assert edit.status_code == 302
    action.refresh_from_db()
    assert action.plan_revision == 2 and action.due_date == dt.date(2030, 2, 28)


def test_it_refuses_an_owner_who_cannot_work_on_actions(client_for, isla, open_nc, vera):
    response = client_for(isla).post(
        url("create"),
        {"finding": open_nc.pk, "plan": "x", "owner": vera.user.pk, "due_date": "2030-01-31"},
    )
    assert response.status_code == 400 and not CorrectiveAction.objects.exists()


def test_it_downloads_the_exports(client_for, vera, action):
    client = client_for(vera)
    poam = client.get(url("export-poam"))
    assert poam.status_code == 200 and poam["Content-Type"] == "application/json"
    assert "plan-of-action-and-milestones" in poam.json()
    xlsx = client.get(url("export-xlsx"))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_it_explains_an_empty_poam_export(client_for, vera, acme):
    response = client_for(vera).get(url("export-poam"), follow=True)
    assert "no corrective action" in response.text


def test_it_shows_the_numbers_on_the_dashboard(client_for, vera, action, isla):
    services.update_action(
        isla.ctx, action, {"due_date": timezone.localdate() - dt.timedelta(days=2)}
    )
    page = client_for(vera).get(reverse("isms:dashboard", kwargs={"org": "acme"}))
    assert page.status_code == 200
    assert "Overdue corrective actions" in page.text and "Show overdue actions" in page.text


def method_options(client, action) -> str:
    page = client.get(url("detail", pk=action.pk))
    start = page.text.index('name="method"')
    return page.text[start : page.text.index("</select>", start)]


def test_the_review_form_offers_only_methods_it_accepts_and_chooses_one_of_them(
    client_for, audrey, implemented, acme
):
    from annexa.actions.tests.test_review import make_result

    client = client_for(audrey)
    # No automated test ran since the fix: the method the service refuses is not offered, and
    # the one chosen in advance is one the review accepts.
    options = method_options(client, implemented)
    assert 'value="automated_test"' not in options and 'value=""' not in options
    assert 'value="document_review" selected' in options
    make_result(acme, "accounts_mfa_enabled", "pass", implemented.implemented_at)
    options = method_options(client, implemented)
    assert 'value="automated_test" selected' in options


def test_the_default_review_method_is_accepted_as_it_stands(client_for, audrey, implemented):
    from annexa.actions.forms import ReviewForm

    client = client_for(audrey)
    form = client.get(url("detail", pk=implemented.pk)).context["review_form"]
    review = {
        "reviewed_on": timezone.localdate().isoformat(),
        "method": form["method"].value(),
        "conclusion": "effective",
        "notes": "Both accounts now need MFA.",
    }
    assert isinstance(form, ReviewForm) and review["method"] == "document_review"
    assert client.post(url("review", pk=implemented.pk), review).status_code == 302
    implemented.refresh_from_db()
    assert implemented.status == "verified_effective"


def test_an_automated_review_sent_without_results_is_refused_with_the_reason(
    client_for, audrey, implemented
):
    review = {
        "reviewed_on": timezone.localdate().isoformat(),
        "method": "automated_test",
        "conclusion": "effective",
        "notes": "Checked.",
    }
    refused = client_for(audrey).post(url("review", pk=implemented.pk), review)
    assert refused.status_code == 400
    assert "There are no automated test results since the fix" in refused.text
    # The form shown again still offers only what the review accepts.
    start = refused.text.index('name="method"')
    assert (
        'value="automated_test"' not in refused.text[start : refused.text.index("</select>", start)]
    )
