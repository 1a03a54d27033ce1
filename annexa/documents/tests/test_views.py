"""The document pages as each role: read by every member, changed by managers; workflow
buttons; validation errors shown; the acknowledgement page."""

import datetime as dt

import pytest
from django.urls import reverse

from annexa.documents.models import Document
from annexa.documents.services import campaigns, register


def url(name, **kwargs):
    return reverse(f"documents:{name}", kwargs={"org": "acme", **kwargs})


@pytest.mark.parametrize("persona", ["alice", "isla", "colin", "audrey", "vera"])
def test_every_member_reads_the_register_and_the_approved_version(
    request, persona, approved, policy, client_for
):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(url("list"))
    assert page.status_code == 200 and b"DOC-001" in page.content
    detail = client.get(url("detail", pk=policy.pk))
    assert b"We protect what we hold." in detail.content
    assert b"Approved version" in detail.content
    assert client.get(url("version", pk=approved.pk)).status_code == 200


def test_the_viewer_may_not_change_anything(approved, policy, vera, client_for):
    client = client_for(vera)
    assert client.post(url("create"), {"title": "X", "kind": "policy"}).status_code == 403
    assert client.post(url("retire", pk=policy.pk), {"reason": "x"}).status_code == 403
    assert client.post(url("approve", pk=approved.pk)).status_code == 403
    assert client.post(url("copy-template", key="backup-policy")).status_code == 403


def test_a_manager_creates_a_document_and_sees_errors(db, catalog, isla, client_for):
    client = client_for(isla)
    bad = client.post(
        url("create"), {"title": "", "kind": "policy", "review_months": 12, "controls": "A.99.1"}
    )
    assert bad.status_code == 422
    assert b"Give the document a title." in bad.content and b"A.99.1" in bad.content
    good = client.post(
        url("create"),
        {
            "title": "Clear desk rules",
            "kind": "standard",
            "review_months": 24,
            "controls": "A.7.7",
            "markdown": "# Clear desk\n\nNothing left out overnight.",
        },
    )
    document = Document.objects.get(title="Clear desk rules")
    assert good.status_code == 302 and good["Location"] == url("detail", pk=document.pk)
    assert document.versions.get().label == "1.0"


def test_the_author_cannot_approve_in_the_browser(policy, isla, alice, client_for):
    version = policy.versions.get()
    client = client_for(isla)
    assert client.post(url("submit", pk=version.pk)).status_code == 302
    page = client.get(url("detail", pk=policy.pk))
    assert b"someone else approves it" in page.content
    refused = client.post(url("approve", pk=version.pk))
    assert refused.status_code == 400
    assert b"someone other than its author" in refused.content
    other = client_for(alice)
    assert other.post(url("approve", pk=version.pk)).status_code == 302
    policy.refresh_from_db()
    assert policy.status == "approved"


def test_a_new_version_from_a_file(approved, policy, isla, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(isla)
    response = client.post(
        url("add-version", pk=policy.pk),
        {
            "file": SimpleUploadedFile("policy.txt", b"Plain text policy.\n"),
            "change_summary": "As a file.",
        },
    )
    assert response.status_code == 302
    assert policy.versions.first().content_kind == "file"
    both = client.post(url("add-version", pk=policy.pk), {"markdown": ""})
    assert both.status_code == 422


def test_templates_are_copied(db, catalog, isla, client_for):
    client = client_for(isla)
    assert b"Cryptography policy" in client.get(url("templates")).content
    response = client.post(url("copy-template", key="cryptography-policy"))
    document = Document.objects.get(template="cryptography-policy")
    assert response["Location"] == url("detail", pk=document.pk)
    # The copy names the organization where the template leaves its placeholder.
    text = document.versions.get().markdown
    assert "[Organization]" not in text and document.organization.name in text


def test_people_confirm_their_own_reading(approved, policy, isla, audrey, staff, client_for):
    campaign = campaigns.launch(
        isla.ctx, policy, due_date=dt.date.today() + dt.timedelta(days=7), scope="all"
    )
    mine = campaign.acknowledgements.get(person=staff["audrey"])
    ann = campaign.acknowledgements.get(person=staff["ann"])
    client = client_for(audrey)
    page = client.get(url("campaign", pk=campaign.pk))
    assert b"I have read it" in page.content
    assert client.post(url("acknowledge", pk=ann.pk)).status_code == 403
    done = client.post(url("acknowledge", pk=mine.pk), HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and b"badge ok" in done.content
    manager = client_for(isla)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    refused = manager.post(url("acknowledge", pk=ann.pk), {"acknowledged_on": yesterday})
    assert refused.status_code == 400
    assert manager.post(url("acknowledge", pk=ann.pk), {"note": "Paper copy"}).status_code == 302
    assert campaigns.completion(campaign).done == 2
    assert b"2 of 3" in manager.get(url("detail", pk=policy.pk)).content
    overview = client_for(audrey).get(url("acknowledgements")).content.decode()
    assert "Sam Sales" in overview and "67%" in overview


def test_filters_narrow_the_list(approved, policy, isla, client_for):
    register.create_document(isla.ctx, {"title": "Old record", "kind": "record"})
    client = client_for(isla)
    rows = client.get(url("list"), {"kind": "record"}, HTTP_HX_REQUEST="true")
    assert b"Old record" in rows.content and b"Information security policy" not in rows.content
    Document.objects.filter(pk=policy.pk).update(next_review=dt.date(2020, 1, 1))
    overdue = client.get(url("list"), {"review": "overdue"})
    assert b"DOC-001" in overdue.content and b"Old record" not in overdue.content
    bad = client.get(url("list"), {"status": "nonsense"})
    assert b"Select a valid choice" in bad.content


def test_an_edit_over_someone_elses_change_is_refused(policy, isla, alice, client_for):
    form = {
        "title": "Security policy",
        "kind": "policy",
        "review_months": 12,
        "version": policy.version,
    }
    register.update_document(alice.ctx, policy, {"description": "Changed meanwhile."})
    response = client_for(isla).post(url("edit", pk=policy.pk), form)
    assert response.status_code == 409
    assert b"was changed by someone else" in response.content
    policy.refresh_from_db()
    assert policy.title == "Information security policy"
