"""The audit checklist page links each nonconformity, observation and OFI to its finding, or
offers to raise it (the checklist lives in audits; the link and ``item.findings`` are ours)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annexa.audits.choices import ChecklistResult
from annexa.findings import services
from annexa.findings.tests.conftest import make_item


def checklist(audit) -> str:
    return reverse("audits:checklist", kwargs={"org": "acme", "pk": audit.pk})


def raise_url(item) -> str:
    return reverse("findings:raise-from-item", kwargs={"org": "acme", "item_pk": item.pk})


def item_html(html: str, item) -> str:
    start = html.index(f'<li id="item-{item.pk}"')
    return html[start : html.index("</header>", start) + 600]


def test_it_offers_to_raise_findings_for_findings_results_only(client_for, audrey, audit):
    results = [
        ChecklistResult.MAJOR_NC,
        ChecklistResult.MINOR_NC,
        ChecklistResult.OBSERVATION,
        ChecklistResult.OFI,
        ChecklistResult.CONFORMING,
        ChecklistResult.NOT_AUDITED,
        ChecklistResult.BLANK,
    ]
    items = {r: make_item(audit, r, order=n) for n, r in enumerate(results, start=1)}
    html = client_for(audrey).get(checklist(audit)).content.decode()
    for result, item in items.items():
        offered = f'href="{raise_url(item)}">Raise finding</a>' in item_html(html, item)
        assert offered == (result in results[:4]), result
    assert html.count(">Raise finding</a>") == 4


def test_it_offers_nothing_to_members_who_may_not_raise(client_for, vera, colin, nc_item):
    for persona in (vera, colin):
        html = client_for(persona).get(checklist(nc_item.audit)).content.decode()
        assert 'class="checklist-item' in html
        assert "Raise finding" not in html and raise_url(nc_item) not in html


def test_it_links_to_the_finding_once_it_exists(client_for, audrey, vera, draft, nc_item):
    detail = reverse("findings:detail", kwargs={"org": "acme", "pk": draft.pk})
    for persona in (audrey, vera):  # whoever may read the checklist may follow the link
        row = item_html(client_for(persona).get(checklist(nc_item.audit)).content.decode(), nc_item)
        assert f'<a href="{detail}">Finding {draft.reference}</a>' in row
        assert "Raise finding" not in row


def test_it_follows_the_link_to_a_prefilled_form(client_for, audrey, nc_item):
    client = client_for(audrey)
    html = client.get(checklist(nc_item.audit)).content.decode()
    assert raise_url(nc_item) in html
    form = client.get(raise_url(nc_item))
    assert form.status_code == 200 and nc_item.subject_id in form.content.decode()


def _page_queries(client, audit) -> int:
    """The queries of the checklist page computed afresh (no evidence summary kept from an
    earlier view: ``evidence.summaries``)."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(checklist(audit)).status_code == 200
    return len(captured.captured_queries)


def test_it_finds_every_items_finding_in_one_query(client_for, audrey, audit, soa):
    client = client_for(audrey)
    for n in range(1, 3):
        services.raise_from_checklist_item(audrey.ctx, make_item(audit, "minor_nc", order=n))
    few = _page_queries(client, audit)
    for n in range(3, 9):
        services.raise_from_checklist_item(audrey.ctx, make_item(audit, "ofi", order=n))
    assert _page_queries(client, audit) == few
    assert client.get(checklist(audit)).content.decode().count(">Finding F-") == 8
