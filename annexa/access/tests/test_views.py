"""The access-review pages: list, new campaign (with a list), the campaign's accounts with
their htmx actions, the close refusal, the record's downloads, and who may do what."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annexa.access import services
from annexa.access.tests.conftest import SYSTEM, item
from annexa.core.testing.fixtures import make_persona
from annexa.orgs.choices import Role
from annexa.people.models import Account

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, **kwargs):
    return reverse(f"access:{name}", kwargs={"org": "acme", **kwargs})


def test_the_list_filters_by_status_and_system(client_for, review, vera):
    client = client_for(vera)
    page = client.get(url("list"))
    assert page.status_code == 200 and "AR-001" in page.content.decode()
    assert "0 of 4" in page.content.decode()
    assert "AR-001" not in client.get(url("list"), {"status": "closed"}).content.decode()
    rows = client.get(url("list"), {"system": "payr"}, **HTMX)
    assert "AR-001" in rows.content.decode() and "<html" not in rows.content.decode()
    assert "New access review" not in page.content.decode()  # a viewer reads only


def test_a_manager_opens_a_review_with_an_account_list(client_for, isla, colin, staff):
    client = client_for(isla)
    form = client.get(url("create"))
    assert form.status_code == 200
    upload = SimpleUploadedFile(
        "crm.csv", b"Account,Email,Role,Privileged\npat,pat@acme.test,sales,no\nroot,,admin,yes\n"
    )
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        url("create"),
        {
            "new_system": "CRM",
            "file": upload,
            "reviewer_mode": "manager",
            "system_owner": colin.user.pk,
            "due_date": due,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = services.reviews(isla.ctx.org).get(system="CRM")
    assert response.url == url("detail", pk=review.pk)
    assert item(review, "pat").reviewer == isla.user  # Pat's manager
    assert item(review, "root").orphan == "no_person"


def test_a_bad_list_opens_nothing_and_lists_every_bad_row(client_for, isla, colin, staff):
    client = client_for(isla)
    upload = SimpleUploadedFile("crm.csv", b"Account,Privileged\n,no\nroot,maybe\n")
    response = client.post(
        url("create"),
        {
            "new_system": "CRM",
            "file": upload,
            "reviewer_mode": "system_owner",
            "system_owner": colin.user.pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "row 2, column account" in text and "row 3, column privileged" in text
    assert not Account.objects.filter(system="CRM").exists()
    assert not services.reviews(isla.ctx.org).exists()


def test_the_reviewer_decides_in_the_row(client_for, review, colin):
    client = client_for(colin)
    page = client.get(url("detail", pk=review.pk))
    text = page.content.decode()
    assert "Orphan: no person" in text and "Orphan: person has left" in text
    assert "Save the decision on pat" in text
    lee = item(review, "lee")
    refused = client.post(url("decide", pk=lee.pk), {"decision": "revoke"}, **HTMX)
    assert refused.status_code == 422
    assert "Say why the access is revoked." in refused.content.decode()
    saved = client.post(
        url("decide", pk=lee.pk), {"decision": "revoke", "reason": "Left in March"}, **HTMX
    )
    assert saved.status_code == 200
    row = saved.content.decode()
    assert row.lstrip().startswith(f'<tr id="item-{lee.pk}"') and "Left in March" in row
    assert "Revoked: lee (mark the revocation done)" in row
    done = client.post(url("revoked", pk=lee.pk), {"note": "HR-12"}, **HTMX)
    assert "Revoked (not yet verified)" in done.content.decode()
    mine = client.get(
        url("detail", pk=review.pk), {"show": "undecided", "partial": "items"}, **HTMX
    )
    assert "lee" not in mine.content.decode() and "pat" in mine.content.decode()


def test_self_review_needs_a_justification_then_a_confirmation(client_for, review, colin, isla):
    own = item(review, "colin")
    response = client_for(colin).post(url("decide", pk=own.pk), {"decision": "keep"}, **HTMX)
    assert response.status_code == 422 and "own account" in response.content.decode()
    response = client_for(colin).post(
        url("decide", pk=own.pk), {"decision": "keep", "justification": "Cover"}, **HTMX
    )
    assert "awaiting a second reviewer" in response.content.decode()
    assert "Confirm the decision" not in response.content.decode()  # not by the holder
    confirmed = client_for(isla).post(url("confirm", pk=own.pk), **HTMX)
    assert confirmed.status_code == 200 and "confirmed by" in confirmed.content.decode()


def test_a_control_owner_who_is_not_the_reviewer_cannot_decide(client_for, review, acme):
    other = make_persona(acme, "carla@acme.test", Role.CONTROL_OWNER)
    response = client_for(other).post(
        url("decide", pk=item(review, "pat").pk), {"decision": "keep"}, **HTMX
    )
    assert response.status_code == 403
    assert item(review, "pat").decision == ""


def test_roles(client_for, review, vera, oscar):
    pat = item(review, "pat")
    viewer = client_for(vera)
    assert viewer.get(url("detail", pk=review.pk)).status_code == 200
    assert viewer.post(url("decide", pk=pat.pk), {"decision": "keep"}).status_code == 403
    assert viewer.post(url("close", pk=review.pk), {"version": 1}).status_code == 403
    assert viewer.get(url("create")).status_code == 403
    outsider = client_for(oscar)
    assert outsider.get(url("detail", pk=review.pk)).status_code == 404
    response = outsider.get(reverse("access:detail", kwargs={"org": "globex", "pk": review.pk}))
    assert response.status_code == 404


def test_closing_early_is_refused_then_the_record_downloads(
    client_for, review, colin, isla, catalog
):
    client = client_for(isla)
    response = client.post(url("close", pk=review.pk), {"version": review.version})
    assert response.status_code == 400
    assert "cannot close: 4 accounts not decided yet" in response.content.decode()
    services.decide(colin.ctx, item(review, "pat"), "keep")
    services.decide(colin.ctx, item(review, "colin"), "keep", justification="Cover")
    services.confirm(isla.ctx, item(review, "colin"))
    services.decide(colin.ctx, item(review, "admin"), "keep", reason="Break-glass")
    services.decide(colin.ctx, item(review, "lee"), "revoke", reason="Left")
    review.refresh_from_db()
    response = client.post(url("close", pk=review.pk), {"version": review.version})
    assert response.status_code == 302
    page = client.get(url("detail", pk=review.pk)).content.decode()
    assert "Download the record (JSON)" in page and "Close the review" not in page
    record = client.get(url("record-json", pk=review.pk))
    assert record.status_code == 200
    assert json.loads(b"".join(record.streaming_content))["reference"] == "AR-001"
    table = client.get(url("record-csv", pk=review.pk))
    assert b"lee" in b"".join(table.streaming_content)


def test_the_record_is_not_there_before_closing(client_for, review, vera):
    assert client_for(vera).get(url("record-json", pk=review.pk)).status_code == 404


def test_a_newer_list_refreshes_the_review(client_for, review, isla):
    upload = SimpleUploadedFile("payroll.csv", b"account,email\npat,pat@acme.test\nnew,\n")
    response = client_for(isla).post(url("import", pk=review.pk), {"file": upload})
    assert response.status_code == 302
    assert set(review.items.values_list("username", flat=True)) >= {"new", "pat"}
    bad = SimpleUploadedFile("payroll.csv", b"account,enabled\npat,perhaps\n")
    response = client_for(isla).post(url("import", pk=review.pk), {"file": bad})
    assert response.status_code == 422 and "row 2, column enabled" in response.content.decode()
    assert Account.objects.get(system=SYSTEM, username="pat").enabled
