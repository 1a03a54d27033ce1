import pytest
from django.urls import reverse

from annexa.isms.services import save_issue, save_party, save_scope, save_unit, update_soa_entry

PERSONAS = ["alice", "isla", "colin", "audrey", "vera"]
EDITORS = {"alice", "isla"}
PAGES = ["isms:dashboard", "isms:scope", "isms:context", "isms:soa"]


@pytest.fixture
def filled(soa, isla):
    """Acme with a scope, one of each context record and one decided SoA entry."""
    unit = save_unit(isla.ctx, {"name": "Production AWS", "kind": "system"})
    save_scope(isla.ctx, text="The ISMS covers the *platform*.", units=[unit])
    save_issue(isla.ctx, {"kind": "internal", "description": "Fast growth of the team."})
    save_party(isla.ctx, {"name": "Customers", "requirements": "Availability."})
    update_soa_entry(
        isla.ctx, "A.5.15", {"applicable": True, "justification": "Needed.", "status": "planned"}
    )
    return soa


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_renders_every_page_for_every_role(persona, filled, request, client_for):
    who = request.getfixturevalue(persona)
    client = client_for(who)
    for name in PAGES:
        response = client.get(reverse(name, kwargs={"org": "acme"}))
        assert response.status_code == 200, name
        editable = b">Edit<" in response.content or b"Edit (creates" in response.content
        if name != "isms:dashboard":
            assert editable == (persona in EDITORS), f"{name} for {persona}"


def test_it_shows_the_chart_and_key_numbers_on_the_dashboard(filled, client_for, vera):
    response = client_for(vera).get(reverse("isms:dashboard", kwargs={"org": "acme"}))
    html = response.content.decode()
    assert html.count('class="bar"') == 4  # one bar per Annex A theme
    assert "Statement of Applicability status by theme" in html
    assert 'role="img"' in html
    assert "Applicable controls" in html and "without owner" in html
    assert "v1" in html and "not approved" in html


def test_it_renders_the_scope_as_markdown_without_raw_html(soa, isla, client_for):
    save_scope(isla.ctx, text="We cover the <script>alert(1)</script> *platform*.")
    response = client_for(isla).get(reverse("isms:scope", kwargs={"org": "acme"}))
    html = response.content.decode()
    assert "<em>platform</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_it_hides_other_organizations_pages(filled, client_for, oscar):
    client = client_for(oscar)
    for name in PAGES:
        assert client.get(reverse(name, kwargs={"org": "acme"})).status_code == 404


def test_it_refuses_viewer_posts(filled, client_for, vera):
    client = client_for(vera)
    urls = [
        reverse("isms:soa-edit", kwargs={"org": "acme", "control_id": "A.5.15"}),
        reverse("isms:scope-edit", kwargs={"org": "acme"}),
        reverse("isms:scope-approve", kwargs={"org": "acme"}),
        reverse("isms:issue-new", kwargs={"org": "acme"}),
        reverse("isms:soa-import", kwargs={"org": "acme"}),
    ]
    for url in urls:
        assert client.post(url, {"text": "x"}).status_code == 403, url
    edit = reverse("isms:soa-edit", kwargs={"org": "acme", "control_id": "A.5.15"})
    assert client.get(edit).status_code == 403  # the form is not even shown
