"""The management review pages: list, plan, the review with htmx input editing, decisions,
sign-off by the owner only, refusals once signed off, the minutes downloads."""

from __future__ import annotations

from django.urls import reverse

from annexa.reviews import services
from annexa.reviews.models import ManagementReview
from annexa.reviews.tests.conftest import ready_to_sign


def url(name: str, **kwargs) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": "acme", **kwargs})


def test_it_plans_a_review_and_lists_it(client_for, isla, catalog):
    client = client_for(isla)
    response = client.post(url("create"), {"title": "Spring review", "planned_date": "2026-06-15"})
    review = ManagementReview.objects.get()
    assert response.status_code == 302 and response.url == url("detail", pk=review.pk)
    page = client.get(url("list")).content.decode()
    assert "MR-2026-01" in page and "Spring review" in page
    detail = client.get(url("detail", pk=review.pk)).content.decode()
    assert "9.3.2.f" in detail and "Not assembled yet" in detail


def test_it_shows_form_errors_naming_the_field(client_for, isla, catalog):
    response = client_for(isla).post(url("create"), {"title": "", "planned_date": "soon"})
    assert response.status_code == 400
    assert "planned_date" in response.context["form"].errors


def test_it_assembles_and_edits_an_input_in_place(client_for, isla, review):
    client = client_for(isla)
    response = client.post(url("assemble", pk=review.pk))
    assert response.status_code == 302
    page = client.get(url("detail", pk=review.pk)).content.decode()
    assert "risk register is empty" in page and "entered by hand" in page
    row = review.inputs.get(requirement_id="9.3.2.f")
    form = client.get(url("input", pk=row.pk), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="summary"' in form.content.decode()
    saved = client.post(
        url("input", pk=row.pk),
        {"summary": "Two risks above the acceptance level.", "notes": ""},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert "Two risks above the acceptance level." in saved.content.decode()
    assert f'id="input-{row.pk}"' in saved.content.decode()
    row.refresh_from_db()
    assert row.summary_edited


def test_it_records_and_tracks_decisions(client_for, isla, colin, review):
    client = client_for(isla)
    response = client.post(
        url("decision-add", pk=review.pk),
        {
            "kind": "resources",
            "text": "Hire help.",
            "owner": colin.user.pk,
            "due_date": "2026-09-30",
        },
    )
    assert response.status_code == 302
    decision = review.decisions.get()
    client.post(url("decision-track", pk=decision.pk))
    decision.refresh_from_db()
    assert decision.action.source_reference == "MR-2026-01 decision 1"
    bad = client.post(
        url("decision-add", pk=review.pk),
        {"kind": "resources", "text": "x", "owner": colin.user.pk},
    )
    assert bad.status_code == 400 and "due date" in bad.content.decode()


def test_only_the_owner_signs_off_and_then_nothing_changes(client_for, isla, alice, review):
    services.add_decision(isla.ctx, review, kind="change", text="Keep the ISMS as it is.")
    review = ready_to_sign(isla.ctx, review, [alice.user])
    assert client_for(isla).post(url("sign-off", pk=review.pk)).status_code == 403
    page = client_for(isla).get(url("detail", pk=review.pk)).content.decode()
    assert "Only the organization&#x27;s owner" in page or "Only the organization's owner" in page
    client = client_for(alice)
    assert client.post(url("sign-off", pk=review.pk)).status_code == 302
    review.refresh_from_db()
    assert review.status == "signed_off"
    for name, data in (
        ("edit", {"title": "New", "planned_date": "2026-06-15"}),
        ("assemble", {}),
        ("decision-add", {"kind": "change", "text": "x"}),
    ):
        assert client.post(url(name, pk=review.pk), data).status_code == 409, name
    row = review.inputs.first()
    assert client.post(url("input", pk=row.pk), {"notes": "late"}).status_code == 409
    assert ManagementReview.objects.get(pk=review.pk).title == "Spring management review"


def test_it_downloads_the_minutes(client_for, vera, review):
    client = client_for(vera)
    pdf = client.get(url("minutes-pdf", pk=review.pk))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = client.get(url("minutes-docx", pk=review.pk))
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert 'filename="MR-2026-01-minutes.docx"' in docx["Content-Disposition"]


def test_viewers_see_no_editing_controls(client_for, vera, review):
    page = client_for(vera).get(url("detail", pk=review.pk)).content.decode()
    assert "Assemble the inputs" not in page and "Record the decision" not in page
    assert client_for(vera).get(url("create")).status_code == 403


def test_it_is_in_the_navigation(client_for, vera, review):
    page = client_for(vera).get(url("list")).content.decode()
    assert f'href="{url("list")}"' in page and ">Reviews<" in page
