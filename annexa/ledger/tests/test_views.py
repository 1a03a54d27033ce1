"""The ledger page: entries and checkpoints for every member, actions for managers only."""

from __future__ import annotations

from annexa.ledger import services
from annexa.ledger.models import Checkpoint


def _append(ctx, n: int, object_type: str = "soa") -> None:
    for i in range(n):
        services.append(ctx, object_type=object_type, object_id=str(i), action="update", data={})


def test_it_lists_entries_newest_first_for_viewers(isla, vera, client_for):
    _append(isla.ctx, 3)
    response = client_for(vera).get("/o/acme/ledger/")
    assert response.status_code == 200
    seqs = [e.seq for e in response.context["page"]]
    assert seqs == [3, 2, 1]
    assert b"Create checkpoint" not in response.content
    assert b"Verify now" in response.content


def test_it_shows_members_by_name_with_the_recorded_address_on_hover(isla, vera, acme, client_for):
    from annexa.core.tenancy import OrgContext

    _append(isla.ctx, 1)
    _append(OrgContext.system(acme), 1)
    html = client_for(vera).get("/o/acme/ledger/").content.decode()
    assert '<td><span class="person" title="isla@acme.test">Isla Manager</span></td>' in html
    assert "<td>system</td>" in html


def test_it_filters_and_pages_entries(isla, client_for):
    _append(isla.ctx, 55)
    _append(isla.ctx, 2, object_type="evidence")
    client = client_for(isla)
    filtered = client.get("/o/acme/ledger/", {"object_type": "evidence"})
    assert [e.object_type for e in filtered.context["page"]] == ["evidence", "evidence"]
    second = client.get("/o/acme/ledger/", {"page": 2})
    assert [e.seq for e in second.context["page"]] == list(range(7, 0, -1))
    partial = client.get(
        "/o/acme/ledger/",
        {"actor": "isla@acme.test"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="entries",
    )
    assert partial.templates[0].name == "ledger/_entries.html"


def test_it_creates_a_checkpoint_for_managers(isla, client_for):
    _append(isla.ctx, 2)
    response = client_for(isla).post("/o/acme/ledger/checkpoints/", follow=True)
    assert response.redirect_chain[-1][0] == "/o/acme/ledger/"
    assert Checkpoint.objects.get().tree_size == 2
    assert b"Checkpoint at 2 entries" in response.content


def test_it_refuses_checkpoints_to_viewers_and_outsiders(isla, vera, oscar, client_for):
    _append(isla.ctx, 1)
    assert client_for(vera).post("/o/acme/ledger/checkpoints/").status_code == 403
    assert client_for(oscar).post("/o/acme/ledger/checkpoints/").status_code == 404
    assert client_for(oscar).get("/o/acme/ledger/").status_code == 404
    assert not Checkpoint.objects.exists()


def test_it_verifies_on_demand(isla, vera, client_for, store):
    _append(isla.ctx, 2)
    services.create_checkpoint(isla.ctx)
    client = client_for(vera)
    page = client.get("/o/acme/ledger/verify/")
    assert page.status_code == 200 and page.context["report"].ok
    partial = client.get("/o/acme/ledger/verify/", HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "ledger/_report.html"
    assert b"verified" in partial.content


def test_it_serves_the_public_key(vera, client_for, signing_key):
    response = client_for(vera).get("/o/acme/ledger/public-key.pem")
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")


def test_it_filters_entries_of_one_object(isla, client_for):
    _append(isla.ctx, 3, object_type="evidence")
    page = client_for(isla).get("/o/acme/ledger/", {"object_type": "evidence", "object_id": "1"})
    assert [(e.object_type, e.object_id) for e in page.context["page"]] == [("evidence", "1")]


def test_the_evidence_page_names_people_and_links_its_entries_instead_of_its_uid(
    isla, acme, client_for
):
    import re
    from html import unescape

    from annexa.evidence.tests.factories import make_version

    version = make_version(acme)
    evidence = version.evidence
    page = client_for(isla).get(f"/o/acme/evidence/{evidence.pk}/")
    assert page.status_code == 200
    body = page.text.split("<main", 1)[-1]
    visible = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<script.*?</script>", "", body)))
    assert str(evidence.uid) not in visible
    link = f"/o/acme/ledger/?object_type=evidence&amp;object_id={evidence.uid}"
    assert link in page.text
    entries = client_for(isla).get(unescape(link))
    assert [e.object_id for e in entries.context["page"]] == [str(evidence.uid)]


def test_the_filter_choices_read_only_the_entries_written_since_the_last_page_view(
    isla, vera, acme, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annexa.core.tenancy import OrgContext
    from annexa.ledger.views import filter_choices

    _append(isla.ctx, 3)
    assert filter_choices(acme) == (["soa"], ["isla@acme.test"])
    _append(OrgContext.system(acme), 1, object_type="evidence")
    with CaptureQueriesContext(connection) as queries:
        assert filter_choices(acme) == (["evidence", "soa"], ["isla@acme.test", "system"])
    reads = [
        q["sql"] for q in queries if "ledger_ledgerentry" in q["sql"] and "DISTINCT" in q["sql"]
    ]
    assert len(reads) == 1 and '"seq" >' in reads[0]  # only the entries after the cached one
    with CaptureQueriesContext(connection) as queries:
        filter_choices(acme)  # nothing new: no DISTINCT at all
    assert not [q for q in queries if "DISTINCT" in q["sql"]]
    form = client_for(vera).get("/o/acme/ledger/").context["form"]
    assert [c[0] for c in form.fields["object_type"].choices if c[0]] == ["evidence", "soa"]


def test_the_filter_choices_are_read_again_when_the_cache_is_ahead_of_the_ledger(isla, acme):
    from django.core.cache import cache

    from annexa.ledger.views import filter_choices

    _append(isla.ctx, 2)
    cache.set(f"ledger-filter-choices:{acme.pk}", {"seq": 99, "types": ["x"], "actors": ["y"]})
    assert filter_choices(acme) == (["soa"], ["isla@acme.test"])


def test_the_page_counts_the_whole_ledger_from_its_head_and_a_filtered_one_by_counting(
    isla, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _append(isla.ctx, 55)
    _append(isla.ctx, 2, object_type="evidence")
    client = client_for(isla)
    with CaptureQueriesContext(connection) as queries:
        whole = client.get("/o/acme/ledger/")
    assert whole.context["page"].paginator.count == 57
    assert whole.context["page"].paginator.num_pages == 2
    # No COUNT over the entries: a million-entry ledger would read them all.
    assert not [q for q in queries if "COUNT(" in q["sql"] and "ledger_ledgerentry" in q["sql"]]
    last = client.get("/o/acme/ledger/", {"page": 2})
    assert [e.seq for e in last.context["page"]] == list(range(7, 0, -1))
    filtered = client.get("/o/acme/ledger/", {"object_type": "evidence"})
    assert filtered.context["page"].paginator.count == 2
