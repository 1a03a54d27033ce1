import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from annexa.core import tenancy
from annexa.core.tenancy import OrgContext
from annexa.orgs.models import APIKey


def test_it_resolves_a_members_context(isla):
    ctx = tenancy.resolve(isla.user, "acme")
    assert (ctx.org.slug, ctx.role, ctx.actor) == ("acme", "isms_manager", "isla@acme.test")


def test_it_answers_404_to_outsiders_and_anonymous(oscar, acme):
    with pytest.raises(Http404):
        tenancy.resolve(oscar.user, "acme")
    with pytest.raises(Http404):
        tenancy.resolve(AnonymousUser(), "acme")
    with pytest.raises(Http404):
        tenancy.resolve(oscar.user, "no-such-org")


def test_it_confines_an_api_key_to_its_organization(alice, globex):
    key, _plaintext = APIKey.issue(user=alice.user, organization=globex)
    with pytest.raises(Http404):
        tenancy.resolve(alice.user, "acme", api_key=key)


def test_it_lets_everyone_read_and_only_permitted_roles_change(vera, isla):
    tenancy.check_method(vera.ctx, "GET", "isms.change")
    with pytest.raises(PermissionDenied):
        tenancy.check_method(vera.ctx, "POST", "isms.change")
    tenancy.check_method(isla.ctx, "DELETE", "isms.change")


def test_it_refuses_changes_through_a_view_without_a_permission(alice):
    with pytest.raises(PermissionDenied, match="declares no permission"):
        tenancy.check_method(alice.ctx, "POST", None)


def test_it_lets_the_system_context_do_anything(acme):
    ctx = OrgContext.system(acme)
    assert ctx.can("org.manage") and ctx.actor == "system" and ctx.role is None


def test_it_refuses_an_unknown_permission(alice):
    with pytest.raises(KeyError, match="unknown permission"):
        alice.ctx.can("no.such.permission")


def test_it_sends_anonymous_visitors_of_a_page_to_the_login(client, acme):
    response = client.get("/o/acme/members/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
