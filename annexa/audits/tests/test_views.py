"""The audits pages: programmes with the coverage picture, audits with the team, owners, feed."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.audits.models import Audit, AuditProgramme, IndependenceOverride, RequirementOwner
from annexa.audits.services import audits as audit_service
from annexa.audits.services import programme as programme_service
from annexa.isms import services as isms_services

START = dt.date(2026, 1, 5)


def planned_programme(acme, isla, colin, excluded: dict[str, str] | None = None):
    """Acme with A.8.5 (owned by Colin) and A.5.15 applicable, the controls of ``excluded``
    marked not applicable with their reasons (the rest undecided), and a planned programme."""
    isms_services.ensure_soa(acme)
    for control_id in ("A.8.5", "A.5.15"):
        isms_services.update_soa_entry(
            isla.ctx,
            control_id,
            {"applicable": True, "justification": "Needed.", "control_owner": colin.user},
        )
    for control_id, reason in (excluded or {}).items():
        isms_services.update_soa_entry(
            isla.ctx, control_id, {"applicable": False, "justification": reason}
        )
    programme = programme_service.create_programme(isla.ctx, start_date=START)
    return programme_service.plan_programme(isla.ctx, programme)


@pytest.fixture
def small(acme, catalog, isla, colin):
    return planned_programme(acme, isla, colin)


def url(name: str, **kwargs) -> str:
    from django.urls import reverse

    return reverse(f"audits:{name}", kwargs={"org": "acme", **kwargs})


def test_it_lists_programmes_read_only_for_viewers(small, client_for, vera, isla):
    page = client_for(vera).get(url("programmes"))
    assert page.status_code == 200
    assert small.title in page.text and "New programme" not in page.text
    assert "New programme" in client_for(isla).get(url("programmes")).text
    assert client_for(vera).get(url("programme-new")).status_code == 403


def test_it_creates_and_plans_a_programme(acme, catalog, client_for, isla):
    response = client_for(isla).post(
        url("programme-new"),
        {
            "start_date": "2026-02-02",
            "years": "3",
            "criteria": "ISO/IEC 27001:2022 and the access policy",
            "milestone_stage_1": "2026-05-04",
            "plan": "on",
        },
    )
    programme = AuditProgramme.objects.get(organization=acme)
    assert response.status_code == 302
    assert programme.milestones.get(kind="stage_1").date == dt.date(2026, 5, 4)
    assert programme.audits.count() == 5
    refused = client_for(isla).post(url("programme-new"), {"start_date": "soon", "years": "3"})
    assert refused.status_code == 422


def test_it_shows_the_coverage_picture_with_gaps_in_red(small, client_for, isla):
    first = small.audits.order_by("planned_start").first()
    audit_service.delete_audit(isla.ctx, first)
    page = client_for(isla).get(url("programme", pk=small.pk))
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert 'class="gap"' in page.text and "#d93025" in page.text
    assert "without a reason block approval" in page.text
    svg = client_for(isla).get(url("programme-coverage-svg", pk=small.pk))
    assert svg["Content-Type"] == "image/svg+xml" and b"Coverage matrix" in svg.content


def test_it_refuses_approval_with_gaps_and_accepts_reasons_with_htmx(small, client_for, isla):
    first = small.audits.order_by("planned_start").first()
    audit_service.delete_audit(isla.ctx, first)
    client = client_for(isla)
    response = client.post(url("programme-approve", pk=small.pk), follow=True)
    assert "no recorded reason" in response.text
    small.refresh_from_db()
    assert small.status == "draft"
    from annexa.audits.services import coverage

    one = coverage.compute(small).gaps[0].id
    partial = client.post(
        url("programme-gap", pk=small.pk),
        {"item": one, "reason": "Tested by the external auditor."},
        HTTP_HX_REQUEST="true",
    )
    assert partial.status_code == 200
    assert partial.text.startswith('<section id="coverage">')
    assert "Tested by the external auditor." in partial.text
    client.post(url("programme-gap", pk=small.pk), {"item": "all", "reason": "Out of reach."})
    reasons = {g.item_id: g.reason for g in coverage.compute(small).reasons.values()}
    assert reasons[one] == "Tested by the external auditor."
    assert set(reasons.values()) == {"Tested by the external auditor.", "Out of reach."}
    client.post(url("programme-approve", pk=small.pk))
    small.refresh_from_db()
    assert small.status == "approved"


def test_it_refuses_the_owner_as_auditor_and_records_a_justification(
    small, client_for, isla, colin
):
    audit = small.audits.filter(scope_controls__control_id="A.8.5").first()
    client = client_for(isla)
    refused = client.post(
        url("audit-team", pk=audit.pk),
        {"user": colin.user.pk, "role": "lead"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "colin@acme.test may not audit" in refused.text and "A.8.5" in refused.text
    allowed = client.post(
        url("audit-team", pk=audit.pk),
        {"user": colin.user.pk, "role": "lead", "justification": "Only expert; peer reviewed."},
    )
    assert allowed.status_code == 302
    assert IndependenceOverride.objects.filter(audit=audit, auditor=colin.user).exists()
    page = client.get(url("audit", pk=audit.pk))
    assert "Only expert; peer reviewed." in page.text and "justified" in page.text


def test_it_moves_an_audit_and_shows_what_blocks_it(small, client_for, isla, audrey):
    audit = small.audits.first()
    client = client_for(audrey)
    client.post(url("audit-status", pk=audit.pk), {"to": "preparing"})
    audit.refresh_from_db()
    assert audit.status == "preparing"
    page = client.get(url("audit", pk=audit.pk))
    assert "Name a lead auditor before fieldwork starts." in page.text
    response = client.post(url("audit-status", pk=audit.pk), {"to": "fieldwork"}, follow=True)
    assert "lead auditor" in response.text
    assert (
        client.post(url("audit-reopen", pk=audit.pk), {"to": "planned", "reason": "x"}).status_code
        == 403
    )


def test_it_creates_and_edits_an_audit_with_its_scope(small, client_for, isla, colin):
    client = client_for(isla)
    assert client.get(url("audit-new", pk=small.pk)).status_code == 200
    response = client.post(
        url("audit-new", pk=small.pk),
        {
            "title": "Follow-up of access findings",
            "kind": "follow_up",
            "planned_start": "2026-06-01",
            "planned_end": "2026-06-02",
            "requirements": ["9.2.2.a"],
            "controls": ["A.5.15"],
            "auditees": [colin.user.pk],
            "scope_reason": "Findings of the first audit",
        },
    )
    audit = Audit.objects.get(title="Follow-up of access findings")
    assert response.status_code == 302
    assert audit.scope_controls.get().reason == "Findings of the first audit"
    assert list(audit.auditees.all()) == [colin.user]
    assert client.get(url("audit-edit", pk=audit.pk)).status_code == 200
    client.post(
        url("audit-edit", pk=audit.pk),
        {
            "title": "Follow-up",
            "kind": "follow_up",
            "planned_start": "2026-06-01",
            "planned_end": "2026-06-03",
            "controls": ["A.5.15", "A.8.5"],
        },
    )
    audit.refresh_from_db()
    assert audit.title == "Follow-up" and audit.scope_controls.count() == 2


def test_it_sets_requirement_owners(small, acme, client_for, isla, colin, vera):
    client = client_for(isla)
    response = client.post(url("requirement-owners"), {"requirement": "7.2", "user": colin.user.pk})
    assert response.status_code == 302
    assert RequirementOwner.objects.get(requirement_id="7.2").user == colin.user
    colin.user.full_name = "Colin <b>Owner</b>"
    colin.user.save()
    page = client.get(url("requirement-owners"))
    assert "(through 7.2)" in page.text
    row = page.text.split('id="req-7.2"')[1].split("</tr>")[0]
    # every member offered, the owner selected, names escaped
    assert (
        f'<option value="{colin.user.pk}" selected>Colin &lt;b&gt;Owner&lt;/b&gt;</option>' in row
    )
    assert row.count("<option") == 1 + acme.memberships.count() and row.count(" selected") == 1
    other = page.text.split('id="req-6.1"')[1].split("</tr>")[0]
    assert " selected" not in other
    viewer = client_for(vera)
    assert viewer.post(url("requirement-owners"), {"requirement": "7.2"}).status_code == 403


def test_a_refused_owner_change_answers_htmx_with_its_message(small, client_for, isla):
    # A redirect would be followed by htmx and the whole page swapped into the table row.
    response = client_for(isla).post(
        url("requirement-owners"),
        {"requirement": "7.2", "user": "999999"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and response["Content-Type"].startswith("text/plain")
    assert "Select a valid choice" in response.text


def test_it_issues_the_feed_address_once(small, client_for, isla):
    client = client_for(isla)
    page = client.post(url("feed"), {"action": "rotate"}, follow=True)
    assert "/feeds/" in page.text and "shown only now" in page.text
    again = client.get(url("feed"))
    assert "shown only now" not in again.text and "issued" in again.text


def test_it_downloads_the_exports(small, client_for, vera):
    client = client_for(vera)
    ics = client.get(url("programme-ics", pk=small.pk))
    assert ics.status_code == 200 and ics.content.startswith(b"BEGIN:VCALENDAR\r\n")
    xlsx = client.get(url("programme-xlsx", pk=small.pk))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_it_copies_an_audit_into_the_next_programme(small, client_for, isla):
    following = programme_service.create_programme(isla.ctx, start_date=dt.date(2029, 1, 5))
    audit = small.audits.first()
    response = client_for(isla).post(url("audit-copy", pk=audit.pk), {"programme": ""})
    copy = following.audits.get()
    assert response.status_code == 302 and response.url == url("audit", pk=copy.pk)
