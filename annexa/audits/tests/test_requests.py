"""Evidence requests: asking, answering from the request page, overdue lists, cancelling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annexa.audits.choices import RequestStatus
from annexa.audits.models import ChecklistItem, EvidenceRequest
from annexa.audits.services import fieldwork, requests
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import actions

# Read at each use, not at import: a test run may cross midnight.


def _today() -> dt.date:
    return timezone.localdate()


def _next_week() -> dt.date:
    return _today() + dt.timedelta(days=7)


def ask(ctx, item, assignee, due=None) -> EvidenceRequest:
    return requests.create_request(
        ctx,
        item,
        assignee=assignee,
        description="Export of MFA settings",
        due_date=due or _next_week(),
    )


def upload(name: str = "mfa.txt") -> fieldwork.NewEvidence:
    return fieldwork.NewEvidence(filename=name, chunks=[b"MFA: enforced\n"])


def overdue(request: EvidenceRequest) -> EvidenceRequest:
    EvidenceRequest.objects.filter(pk=request.pk).update(due_date=_today() - dt.timedelta(days=2))
    request.refresh_from_db()
    return request


def test_it_suggests_the_control_owner_as_assignee(items, colin):
    assert requests.default_assignee(items["A.8.5"]) == colin.user
    assert requests.default_assignee(items["A.5.15"]) is None


def test_it_creates_a_request_in_the_ledger(items, audrey, colin):
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    assert request.status == RequestStatus.OPEN and request.requested_by == audrey.user
    assert actions(request.organization, "evidence_request") == ["create"]


def test_it_checks_the_request(items, audrey, vera, oscar):
    item = items["A.8.5"]
    with pytest.raises(ValidationError) as caught:
        requests.create_request(audrey.ctx, item, assignee=vera.user, description="", due_date=None)
    assert {"description", "due_date"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError, match="cannot upload evidence"):
        ask(audrey.ctx, item, vera.user)
    with pytest.raises(ValidationError, match="not a member"):
        ask(audrey.ctx, item, oscar.user)
    with pytest.raises(ValidationError, match="in the past"):
        ask(audrey.ctx, item, audrey.user, due=_today() - dt.timedelta(days=1))


def test_it_lets_only_the_team_ask(items, alice, colin):
    with pytest.raises(PermissionDenied):
        ask(alice.ctx, items["A.8.5"], colin.user)


def test_it_links_the_answer_to_item_and_control_and_fulfils(items, audrey, colin):
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    version = requests.fulfil(colin.ctx, request, upload())
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED and request.closed_at is not None
    assert list(request.fulfilled_evidence.all()) == [version]
    assert list(version.evidence.controls.values_list("id", flat=True)) == ["A.8.5"]
    item = ChecklistItem.objects.get(pk=items["A.8.5"].pk)
    assert list(item.evidence.all()) == [version] and item.version == 2
    assert actions(request.organization, "evidence_request") == ["create", "fulfil"]
    with pytest.raises(ValidationError, match="fulfilled already"):
        requests.fulfil(colin.ctx, request, upload())


def test_it_keeps_a_request_open_for_more_answers(items, audrey, colin):
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    requests.fulfil(colin.ctx, request, upload("a.txt"), complete=False)
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and request.fulfilled_evidence.count() == 1


def test_it_refuses_answers_from_others(items, audrey, colin, acme):
    from annexa.core.testing.fixtures import make_persona
    from annexa.orgs.choices import Role

    other_owner = make_persona(acme, "olga@acme.test", Role.CONTROL_OWNER)
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    with pytest.raises(PermissionDenied, match="assignee"):
        requests.fulfil(other_owner.ctx, request, upload())


def test_it_counts_and_lists_overdue_requests(items, fieldwork_audit, audrey, colin):
    late = overdue(ask(audrey.ctx, items["A.8.5"], colin.user))
    ask(audrey.ctx, items["7.2"], colin.user)
    assert requests.counts(fieldwork_audit) == {"open": 2, "overdue": 1}
    assert requests.is_overdue(late)


def test_it_cancels_with_a_reason(items, audrey, colin):
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    with pytest.raises(ValidationError, match="Say why"):
        requests.cancel(audrey.ctx, request, "")
    cancelled = requests.cancel(audrey.ctx, request, "Found in the locker.")
    assert cancelled.status == RequestStatus.CANCELLED


def test_it_shows_my_requests_with_overdue_first(items, audrey, colin, client_for):
    overdue(ask(audrey.ctx, items["A.8.5"], colin.user))
    url = reverse("audits:my-requests", kwargs={"org": "acme"})
    page = client_for(colin).get(url).content.decode()
    assert "1 open" in page and "1 overdue" in page and "Export of MFA settings" in page
    assert client_for(audrey).get(url).content.decode().count("Export of MFA") == 0


def test_it_shows_the_count_on_the_audit_pages(items, fieldwork_audit, audrey, colin, client_for):
    overdue(ask(audrey.ctx, items["A.8.5"], colin.user))
    client = client_for(audrey)
    listing = reverse("audits:audit-requests", kwargs={"org": "acme", "pk": fieldwork_audit.pk})
    assert "1 overdue" in client.get(listing).content.decode()
    page = client.get(reverse("audits:audit", kwargs={"org": "acme", "pk": fieldwork_audit.pk}))
    assert "Evidence requests: 1 open" in page.content.decode()


def test_it_lets_the_assignee_upload_from_the_request_page(items, audrey, colin, client_for):
    request = ask(audrey.ctx, items["A.8.5"], colin.user)
    client = client_for(colin)
    detail = reverse("audits:evidence-request", kwargs={"org": "acme", "pk": request.pk})
    assert 'enctype="multipart/form-data"' in client.get(detail).content.decode()
    target = reverse("audits:evidence-request-upload", kwargs={"org": "acme", "pk": request.pk})
    file = SimpleUploadedFile("mfa.txt", b"enforced\n", "text/plain")
    response = client.post(target, {"file": file, "complete": "on"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED


def test_it_creates_and_cancels_requests_from_the_pages(items, audrey, colin, client_for):
    client = client_for(audrey)
    item = items["A.8.5"]
    target = reverse("audits:checklist-item-request", kwargs={"org": "acme", "pk": item.pk})
    data = {"assignee": colin.user.pk, "description": "MFA export", "due_date": _next_week()}
    assert client.post(target, data).status_code == 302
    request = EvidenceRequest.objects.get()
    cancel = reverse("audits:evidence-request-cancel", kwargs={"org": "acme", "pk": request.pk})
    client.post(cancel, {"reason": "Not needed"})
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_it_serves_requests_through_the_api(items, audrey, colin, client_for):
    item = items["A.8.5"]
    base = "/api/v1/orgs/acme/audits"
    created = client_for(audrey).post(
        f"{base}/checklist/items/{item.pk}/requests/",
        {"assignee": colin.user.email, "description": "MFA export", "due_date": str(_next_week())},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    client = client_for(colin)
    mine = client.get(f"{base}/requests/mine/", {"status": "open"}).json()["results"]
    assert [r["id"] for r in mine] == [pk] and mine[0]["overdue"] is False
    file = SimpleUploadedFile("mfa.txt", b"enforced\n", "text/plain")
    answered = client.post(f"{base}/requests/{pk}/upload/", {"file": file})
    assert answered.status_code == 201 and answered.json()["status"] == "fulfilled"
    assert len(answered.json()["fulfilled_evidence"]) == 1
