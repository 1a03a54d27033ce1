from django.urls import reverse

from annexa.isms.models import ScopeStatement
from annexa.isms.services import save_scope, save_unit


def url(name: str, **kwargs) -> str:
    return reverse(f"isms:{name}", kwargs={"org": "acme", **kwargs})


def test_it_creates_a_new_version_from_the_form(acme, client_for, isla):
    unit = save_unit(isla.ctx, {"name": "Production AWS", "kind": "system"})
    save_scope(isla.ctx, text="First scope.")
    client = client_for(isla)
    form = client.get(url("scope-edit")).content.decode()
    assert "First scope." in form and "v2" in form
    response = client.post(
        url("scope-edit"),
        {
            "text": "Second scope.",
            "boundaries": "Cloud accounts.",
            "units": [unit.pk],
            "exclusions": "Payroll | run by an external bureau",
        },
    )
    assert response.status_code == 302
    scope = ScopeStatement.current(acme)
    assert scope.version == 2
    assert scope.exclusions == [{"item": "Payroll", "reason": "run by an external bureau"}]
    assert scope.in_scope[0]["name"] == "Production AWS"


def test_it_explains_a_malformed_exclusion(acme, client_for, isla):
    response = client_for(isla).post(
        url("scope-edit"), {"text": "Scope.", "exclusions": "Payroll without reason"}
    )
    assert response.status_code == 422
    assert b"Line 1: write it as" in response.content
    assert not ScopeStatement.objects.exists()


def test_it_approves_and_shows_old_versions(acme, client_for, isla, alice):
    save_scope(isla.ctx, text="First scope.")
    save_scope(isla.ctx, text="Second scope.")
    client = client_for(alice)
    response = client.post(url("scope-approve"), {"version": "2"}, follow=True)
    assert b"Scope version 2 approved." in response.content
    assert ScopeStatement.current(acme).approved_by == alice.user
    old = client.get(url("scope-version", version=1)).content.decode()
    assert "First scope." in old and "earlier version" in old
    assert client.get(url("scope-version", version=9)).status_code == 404


def test_it_reports_a_refused_approval(acme, client_for, isla):
    save_scope(isla.ctx, text="Scope.")
    save_scope(isla.ctx, text="Scope, again.")
    response = client_for(isla).post(url("scope-approve"), {"version": "1"}, follow=True)
    assert b"Only the current version (v2)" in response.content
    assert not ScopeStatement.current(acme).is_approved


def test_it_invites_to_write_the_first_scope(acme, client_for, isla, vera):
    assert b"Write the scope statement" in client_for(isla).get(url("scope")).content
    assert b"Write the scope statement" not in client_for(vera).get(url("scope")).content


def test_it_explains_why_the_author_may_not_approve(acme, client_for, isla, alice):
    save_scope(isla.ctx, text="Scope.")
    response = client_for(isla).post(url("scope-approve"), {"version": "1"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You wrote version 1 of the scope, so you may not approve it" in page
    assert "alice@acme.test" in page
    assert "Scope version 1 approved." not in page
    assert not ScopeStatement.current(acme).is_approved


def test_it_tells_the_author_who_approves_instead_of_offering_the_button(
    acme, client_for, isla, alice
):
    save_scope(isla.ctx, text="Scope.")
    own = client_for(isla).get(url("scope")).content.decode()
    assert "Approve version 1" not in own
    assert "You wrote version 1, so its approval must come from someone else." in own
    assert "alice@acme.test" in own  # who may approve it
    other = client_for(alice).get(url("scope")).content.decode()
    assert "Approve version 1" in other and "You wrote version 1" not in other
