from django.urls import reverse

from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Membership
from annexa.orgs.tests.factories import make_invitation

HTMX = {"HTTP_HX_REQUEST": "true"}


def members_url() -> str:
    return reverse("orgs:members", kwargs={"org": "acme"})


def member_url(name: str, membership: Membership) -> str:
    return reverse(f"orgs:{name}", kwargs={"org": "acme", "pk": membership.pk})


def test_it_lists_members_to_every_member(client_for, vera, colin):
    response = client_for(vera).get(members_url())
    assert response.status_code == 200
    assert b"colin@acme.test" in response.content
    assert b"Invite a person" not in response.content
    assert b"Control owner" in response.content


def test_it_invites_a_person_and_lists_the_pending_invitation(client_for, isla, mailoutbox):
    client = client_for(isla)
    response = client.post(members_url(), {"email": "nina@acme.test", "role": Role.AUDITOR})
    assert response.status_code == 200
    assert response.context["invited"].email == "nina@acme.test"
    assert not Membership.objects.filter(user__email="nina@acme.test").exists()
    assert len(mailoutbox) == 1
    page = client.get(members_url()).content.decode()
    assert 'id="invitations"' in page and "nina@acme.test" in page


def test_it_invites_an_existing_account_without_adding_it(client_for, isla, oscar):
    """Before: the account was attached at once ("their password is unchanged")."""
    response = client_for(isla).post(
        members_url(), {"email": "oscar@globex.test", "role": "viewer"}
    )
    assert response.status_code == 200
    assert response.context["invited"].email == "oscar@globex.test"
    assert not oscar.user.memberships.filter(organization__slug="acme").exists()


def test_it_withdraws_an_invitation(client_for, isla, acme):
    invitation = make_invitation(acme, "nina@acme.test")
    url = reverse("orgs:invitation-revoke", kwargs={"org": "acme", "pk": invitation.pk})
    assert client_for(isla).post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_it_shows_why_an_addition_was_refused(client_for, isla, colin):
    response = client_for(isla).post(members_url(), {"email": "colin@acme.test", "role": "viewer"})
    assert b"already a member" in response.content
    owner = client_for(isla).post(members_url(), {"email": "x@acme.test", "role": "owner"})
    assert "role" in owner.context["form"].errors


def test_it_changes_a_role_inline(client_for, isla, colin):
    url = member_url("member-role", colin.membership)
    response = client_for(isla).post(url, {"role": Role.AUDITOR}, **HTMX)
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b"<tr")
    assert Membership.objects.get(pk=colin.membership.pk).role == Role.AUDITOR


def test_it_shows_the_last_owner_refusal_in_the_row(client_for, alice):
    url = member_url("member-role", alice.membership)
    response = client_for(alice).post(url, {"role": Role.VIEWER}, **HTMX)
    assert b"last owner" in response.content
    assert Membership.objects.get(pk=alice.membership.pk).role == Role.OWNER


def test_it_changes_a_role_without_htmx_and_redirects(client_for, isla, colin):
    url = member_url("member-role", colin.membership)
    response = client_for(isla).post(url, {"role": Role.VIEWER}, follow=True)
    assert response.redirect_chain[-1][0] == members_url()
    assert b"colin@acme.test is now viewer" in response.content


def test_it_removes_a_member_inline(client_for, isla, colin):
    response = client_for(isla).post(member_url("member-remove", colin.membership), **HTMX)
    assert response.status_code == 200
    assert response.content == b""
    assert not Membership.objects.filter(pk=colin.membership.pk).exists()


def test_it_sends_a_member_who_removed_themselves_home(client_for, isla):
    response = client_for(isla).post(member_url("member-remove", isla.membership), **HTMX)
    assert response["HX-Redirect"] == reverse("home")


def test_it_refuses_member_changes_to_a_control_owner(client_for, colin, vera):
    client = client_for(colin)
    assert client.post(members_url(), {"email": "x@acme.test", "role": "viewer"}).status_code == 403
    assert (
        client.post(member_url("member-role", vera.membership), {"role": "auditor"}).status_code
        == 403
    )
    assert client.post(member_url("member-remove", vera.membership)).status_code == 403
    assert Membership.objects.get(pk=vera.membership.pk).role == Role.VIEWER


def test_it_hides_other_organizations_members(client_for, isla, oscar):
    url = member_url("member-remove", oscar.membership)
    assert client_for(isla).post(url).status_code == 404
    assert Membership.objects.filter(pk=oscar.membership.pk).exists()


# --- API keys page -------------------------------------------------------------------------


def apikeys_url() -> str:
    return reverse("orgs:apikeys", kwargs={"org": "acme"})


def test_it_creates_a_key_shown_once_that_works(client_for, colin):
    client = client_for(colin)
    response = client.post(apikeys_url(), {"name": "laptop", "expires_days": "30"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    client.logout()
    api = client.get("/api/v1/orgs/acme/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.json()["role"] == Role.CONTROL_OWNER


def test_it_lists_only_my_own_keys(client_for, colin, audrey):
    mine, _plaintext = services.issue_api_key(colin.ctx, name="mine")
    theirs, _plaintext = services.issue_api_key(audrey.ctx, name="theirs")
    response = client_for(colin).get(apikeys_url())
    assert list(response.context["keys"]) == [mine]
    assert theirs.prefix.encode() not in response.content


def test_it_revokes_my_key_inline(client_for, colin):
    key, _plaintext = services.issue_api_key(colin.ctx)
    url = reverse("orgs:apikey-revoke", kwargs={"org": "acme", "pk": key.pk})
    response = client_for(colin).post(url, **HTMX)
    assert b"revoked" in response.content
    assert APIKey.objects.get(pk=key.pk).status == "revoked"


def test_it_does_not_revoke_someone_elses_key(client_for, colin, audrey):
    key, _plaintext = services.issue_api_key(audrey.ctx)
    url = reverse("orgs:apikey-revoke", kwargs={"org": "acme", "pk": key.pk})
    assert client_for(colin).post(url).status_code == 404
    assert APIKey.objects.get(pk=key.pk).is_active


def test_it_keeps_viewers_read_only_on_the_keys_page(client_for, vera):
    client = client_for(vera)
    page = client.get(apikeys_url())
    assert page.status_code == 200
    assert b"annexa apikey create" in page.content
    assert client.post(apikeys_url(), {"name": "x"}).status_code == 403
    assert not APIKey.objects.exists()


def test_it_refuses_a_bad_expiry(client_for, colin):
    response = client_for(colin).post(apikeys_url(), {"expires_days": "0"})
    assert "expires_days" in response.context["form"].errors
    assert not APIKey.objects.exists()


def test_it_reloads_the_page_when_my_own_role_changes(client_for, alice):
    services.add_person(OrgContext.system(alice.membership.organization), "bob@acme.test", "owner")
    url = member_url("member-role", alice.membership)
    response = client_for(alice).post(url, {"role": Role.ISMS_MANAGER}, **HTMX)
    assert response["HX-Refresh"] == "true"
    assert Membership.objects.get(pk=alice.membership.pk).role == Role.ISMS_MANAGER
