"""Server errors the API fuzzing found around the checklist: concurrent generation of one
audit's checklist on PostgreSQL, and OPTIONS on the close-fieldwork route."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from annexa.audits.models import ChecklistItem
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import build_audit
from annexa.ledger.models import LedgerEntry
from annexa.orgs import services as orgs

GENERATORS = 4


def test_concurrent_generation_of_one_checklist_adds_each_item_once(
    transactional_db, acme, audrey, isla
):
    """Four requests generate the same audit's checklist at the same moment, on two API keys:
    one adds the items (201), the others find nothing missing (200), none fails, and the
    checklist and the ledger hold each item and the generation once. The row lock on the audit
    orders them; PostgreSQL makes them truly wait for each other."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database fails on locks instead of waiting")
    audit = build_audit(acme, lead=audrey.user, members=[isla.user], status="preparing")
    keys = [orgs.issue_api_key(p.ctx)[1] for p in (audrey, isla)]
    url = reverse("audits-api:checklist-generate", kwargs={"org": "acme", "pk": audit.pk})
    start = threading.Barrier(GENERATORS)
    answers: list[int] = []

    def generate(key: str) -> None:
        try:
            start.wait(timeout=20)
            client = Client(raise_request_exception=False)
            answers.append(client.post(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate, args=(keys[n % 2],)) for n in range(GENERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [200] * (GENERATORS - 1) + [201]
    subjects = list(ChecklistItem.objects.filter(audit=audit).values_list("control", "requirement"))
    assert len(subjects) == len(set(subjects)) == 3
    generated = LedgerEntry.objects.filter(organization=acme, object_type="checklist")
    assert list(generated.values_list("action", flat=True)) == ["generate"]


@pytest.mark.parametrize("name", ["audits-api:checklist-close", "audits:checklist-close"])
def test_options_on_close_fieldwork_is_answered(name, fieldwork_audit, audrey, client_for):
    """OPTIONS on checklist/close: the API describes the route (its POST takes no body) and
    the page refuses the method; neither is a server error."""
    response = client_for(audrey).options(
        reverse(name, kwargs={"org": "acme", "pk": fieldwork_audit.pk})
    )
    assert response.status_code in {200, 405}
    if name.startswith("audits-api"):
        assert response.status_code == 200 and "POST" in response["Allow"]
