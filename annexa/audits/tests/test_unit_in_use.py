"""Deleting a unit that an audit's scope still names is refused with a message that names the
audit (API 400, page 409 or a message), not a 500 from the database's PROTECT; nothing is
deleted and the ledger records no deletion."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annexa.audits.services import audits as audit_service
from annexa.audits.tests.test_independence import audit, soa  # noqa: F401 (fixtures)
from annexa.isms import services as isms_services
from annexa.isms.models import OrgUnit
from annexa.ledger.models import LedgerEntry

MESSAGE = "cannot be deleted: it is used by audit"


@pytest.fixture
def unit(audit, isla):  # noqa: F811
    platform = isms_services.save_unit(isla.ctx, {"name": "Platform", "kind": "system"})
    audit_service.set_scope(
        isla.ctx,
        audit,
        audit_service.Scope(controls={"A.5.15": "kept"}, units={platform: "Visited"}),
    )
    return platform


def deletions(org) -> int:
    return LedgerEntry.objects.filter(organization=org, action="delete").count()


def test_the_service_refuses_naming_the_audit(unit, audit, isla):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        isms_services.delete_unit(isla.ctx, unit)
    message = " ".join(refused.value.messages)
    assert MESSAGE in message and audit.reference in message and "'Platform'" in message
    assert OrgUnit.objects.filter(pk=unit.pk).exists()
    assert deletions(audit.organization) == 0


def test_the_api_answers_400_with_the_message(unit, audit, isla, client_for):  # noqa: F811
    url = reverse("isms-api:unit-detail", kwargs={"org": "acme", "pk": unit.pk})
    response = client_for(isla).delete(url)
    assert response.status_code == 400
    assert MESSAGE in str(response.json()) and audit.reference in str(response.json())
    assert OrgUnit.objects.filter(pk=unit.pk).exists()


def test_the_page_refuses_with_a_message(unit, audit, isla, client_for):  # noqa: F811
    url = reverse("isms:unit-delete", kwargs={"org": "acme", "pk": unit.pk})
    client = client_for(isla)
    htmx = client.post(url, headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and MESSAGE in htmx.content.decode()
    plain = client.post(url, follow=True)
    assert plain.status_code == 200 and MESSAGE in plain.content.decode()
    assert OrgUnit.objects.filter(pk=unit.pk).exists()
    assert deletions(audit.organization) == 0


def test_a_unit_no_audit_uses_is_deleted(isla, client_for, acme):
    spare = isms_services.save_unit(isla.ctx, {"name": "Spare", "kind": "system"})
    url = reverse("isms-api:unit-detail", kwargs={"org": "acme", "pk": spare.pk})
    assert client_for(isla).delete(url).status_code == 204
    assert not OrgUnit.objects.filter(pk=spare.pk).exists()
