"""The audit form's scope pickers: grouped checkboxes with the SoA, whole groups, refusals of
controls the SoA excludes, and the confirmation before an approved programme loses approval."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.audits.forms import AuditForm
from annexa.audits.models import Audit
from annexa.audits.services import audits as audit_service
from annexa.audits.services import programme as programme_service
from annexa.audits.tests.test_views import planned_programme
from annexa.isms import services as isms_services
from annexa.ledger.models import LedgerEntry

EXCLUDED = "A.7.4"  # physical security monitoring: a cloud-only Acme leaves it out


@pytest.fixture
def small(acme, catalog, isla, colin):
    """A.5.15 and A.8.5 applicable, A.7.4 excluded with a reason, the rest undecided; a plan."""
    return planned_programme(acme, isla, colin, {EXCLUDED: "No premises of our own."})


def url(name: str, **kwargs) -> str:
    from django.urls import reverse

    return reverse(f"audits:{name}", kwargs={"org": "acme", **kwargs})


def new_audit(**extra) -> dict:
    return {
        "title": "Access review",
        "kind": "internal_partial",
        "planned_start": "2026-06-01",
        "planned_end": "2026-06-02",
        **extra,
    }


def test_the_pickers_group_by_clause_and_theme_and_show_the_soa(small, client_for, isla):
    page = client_for(isla).get(url("audit-new", pk=small.pk)).text
    assert '<select name="requirements"' not in page and '<select name="controls"' not in page
    for title in ("Clause 4 Context of the organization", "Clause 10 Improvement"):
        assert f"<legend>{title} " in page
    for title in ("A.5 Organizational", "A.6 People", "A.7 Physical", "A.8 Technological"):
        assert f"<legend>{title} controls " in page
    assert page.count('type="checkbox" name="requirements"') == 131
    assert page.count('type="checkbox" name="controls"') == 93
    assert page.count('name="requirements_groups"') == 7
    assert page.count('name="controls_groups"') == 4
    # What the SoA says, next to each control; the exclusion's reason on hover.
    a515 = page[page.index('value="A.5.15"') :]
    assert 'data-soa="applicable"' in a515[:40] and "Applicable · Not started" in a515[:300]
    a74 = page[page.rindex("<label", 0, page.index(f'value="{EXCLUDED}"')) :]
    assert 'title="No premises of our own."' in a74[:80] and "Not applicable" in a74[:400]
    assert "SoA not decided" in page
    assert '<script src="/static/audits/picker.js' in page or "audits/picker." in page


def test_a_whole_group_adds_its_items_without_a_script(small, client_for, isla):
    response = client_for(isla).post(
        url("audit-new", pk=small.pk),
        new_audit(requirements_groups=["9"], controls_groups=["physical"], controls=["A.5.15"]),
    )
    assert response.status_code == 302, response.text
    audit = Audit.objects.get(title="Access review")
    from annexa.catalog.models import Control, Requirement

    clause_9 = set(
        Requirement.objects.filter(clause=9, auditable=True).values_list("id", flat=True)
    )
    physical = set(Control.objects.filter(theme="physical").values_list("id", flat=True))
    requirements = set(audit.scope_requirements.values_list("requirement_id", flat=True))
    controls = set(audit.scope_controls.values_list("control_id", flat=True))
    assert requirements == clause_9 and len(clause_9) > 5
    # The whole theme, but never the control the SoA excludes.
    assert controls == (physical - {EXCLUDED}) | {"A.5.15"}


def test_it_refuses_a_control_the_soa_excludes_naming_it(small, client_for, isla):
    response = client_for(isla).post(
        url("audit-new", pk=small.pk), new_audit(controls=["A.5.15", EXCLUDED])
    )
    assert response.status_code == 422
    assert (
        "Not applicable in the Statement of Applicability: A.7.4 Physical security monitoring"
        in response.text
    )
    assert not Audit.objects.filter(title="Access review").exists()
    # The choices stay ticked so that the person only takes the excluded one out.
    assert 'value="A.5.15" checked' in response.text


def test_the_services_refuse_an_excluded_control_too(small, isla):
    from django.core.exceptions import ValidationError

    audit = small.audits.first()
    with pytest.raises(ValidationError, match=r"A\.7\.4 Physical security monitoring"):
        audit_service.set_scope(isla.ctx, audit, audit_service.Scope(controls={EXCLUDED: "x"}))
    with pytest.raises(ValidationError, match="Not applicable"):
        audit_service.create_audit(
            isla.ctx,
            small,
            title="t",
            planned_start=dt.date(2026, 6, 1),
            planned_end=dt.date(2026, 6, 1),
            scope=audit_service.Scope(controls={EXCLUDED: "x"}),
        )


def test_a_control_excluded_after_the_audit_was_scoped_does_not_lock_its_form(
    small, client_for, isla
):
    audit = small.audits.first()
    audit_service.set_scope(
        isla.ctx, audit, audit_service.Scope(controls={"A.8.5": "x", "A.5.15": "x"})
    )
    isms_services.update_soa_entry(
        isla.ctx, "A.8.5", {"applicable": False, "justification": "Decommissioned."}
    )
    form = AuditForm(
        new_audit(controls=["A.8.5", "A.5.15"]), org=small.organization, kept=["A.8.5", "A.5.15"]
    )
    assert form.is_valid(), form.errors
    form = AuditForm(new_audit(controls=["A.8.5"]), org=small.organization)
    assert not form.is_valid() and "A.8.5" in form.errors["controls"][0]


def test_adding_to_an_approved_programme_asks_before_withdrawing_the_approval(
    small, client_for, isla
):
    programme_service.approve_programme(isla.ctx, small)
    client = client_for(isla)
    page = client.get(url("audit-new", pk=small.pk)).text
    assert "is approved" in page and "withdraws the approval" in page

    data = new_audit(controls=["A.5.15"])
    asked = client.post(url("audit-new", pk=small.pk), data)
    assert asked.status_code == 200
    assert "This withdraws the approval of" in asked.text
    assert 'name="withdraw_approval" value="yes"' in asked.text
    assert 'value="A.5.15" checked' in asked.text  # nothing typed is lost
    small.refresh_from_db()
    assert small.is_approved and not Audit.objects.filter(title="Access review").exists()

    confirmed = client.post(url("audit-new", pk=small.pk), {**data, "withdraw_approval": "yes"})
    assert confirmed.status_code == 302
    small.refresh_from_db()
    assert small.status == "draft" and small.approved_by is None
    assert Audit.objects.filter(title="Access review").exists()
    withdrawn = LedgerEntry.objects.filter(action="approval_withdrawn").get()
    assert "was added" in withdrawn.data_value["cause"]
    shown = client.get(confirmed["Location"]).text
    assert "The approval of" in shown and "was withdrawn" in shown


def test_editing_only_the_texts_of_an_audit_keeps_the_approval(small, client_for, isla):
    audit = small.audits.order_by("planned_start").first()
    programme_service.approve_programme(isla.ctx, small)
    client = client_for(isla)
    form = client.get(url("audit-edit", pk=audit.pk)).context["form"]
    data = {
        "title": "Renamed",
        "kind": audit.kind,
        "planned_start": audit.planned_start.isoformat(),
        "planned_end": audit.planned_end.isoformat(),
        "requirements": form.initial["requirements"],
        "controls": form.initial["controls"],
        "units": [u.pk for u in form.initial["units"]],
    }
    assert client.post(url("audit-edit", pk=audit.pk), data).status_code == 302
    small.refresh_from_db()
    assert small.is_approved
    # A scope change asks first.
    data["controls"] = [*data["controls"], "A.6.3"]
    asked = client.post(url("audit-edit", pk=audit.pk), data)
    assert asked.status_code == 200 and "Save and withdraw the approval" in asked.text
    small.refresh_from_db()
    assert small.is_approved
    client.post(url("audit-edit", pk=audit.pk), {**data, "withdraw_approval": "yes"})
    small.refresh_from_db()
    assert not small.is_approved
    assert audit.scope_controls.filter(control_id="A.6.3").exists()
