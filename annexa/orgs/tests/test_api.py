from datetime import timedelta

import pytest
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Membership, User

ORGS = "/api/v1/orgs/"
MEMBERS = "/api/v1/orgs/acme/memberships/"
INVITATIONS = "/api/v1/orgs/acme/invitations/"


def member_url(membership: Membership) -> str:
    return f"{MEMBERS}{membership.pk}/"


def key_for(persona) -> str:
    _key, plaintext = services.issue_api_key(
        OrgContext.system(persona.membership.organization), user=persona.user
    )
    return plaintext


def test_it_lists_the_callers_organizations(client_for, isla, oscar, globex):
    services.add_member(OrgContext.system(globex), isla.user, Role.VIEWER)
    response = client_for(isla).get(ORGS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["slug"], r["role"]) for r in rows] == [
        ("acme", "isms_manager"),
        ("globex", "viewer"),
    ]


def test_it_lists_only_the_keys_organization(client, isla, globex):
    services.add_member(OrgContext.system(globex), isla.user, Role.VIEWER)
    response = client.get(ORGS, HTTP_AUTHORIZATION=f"Bearer {key_for(isla)}")
    assert [r["slug"] for r in response.json()["results"]] == ["acme"]


def test_it_shows_an_organization_with_my_permissions(client_for, colin):
    data = client_for(colin).get(f"{ORGS}acme/").json()
    assert data["name"] == "Acme Ltd"
    assert data["role"] == "control_owner"
    assert "evidence.add" in data["permissions"]
    assert "members.manage" not in data["permissions"]


def test_it_refuses_anonymous_callers(client, acme):
    assert client.get(ORGS).status_code == 401
    assert client.get(MEMBERS).status_code == 401


def test_it_lists_memberships(client_for, vera, colin):
    rows = client_for(vera).get(MEMBERS).json()["results"]
    assert {r["email"]: r["role"] for r in rows} == {
        "colin@acme.test": "control_owner",
        "vera@acme.test": "viewer",
    }


def invite_over_api(client, email: str, url: str = MEMBERS):
    return client.post(url, {"email": email, "role": "auditor"}, content_type="application/json")


def test_it_invites_instead_of_adding_and_creates_no_account(client_for, isla, mailoutbox):
    response = invite_over_api(client_for(isla), "nina@acme.test")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["email"], data["role"], data["status"]) == ("nina@acme.test", "auditor", "pending")
    assert "password" not in data and "token" not in data
    assert not User.objects.filter(email="nina@acme.test").exists()
    assert [m.to for m in mailoutbox] == [["nina@acme.test"]]


def test_it_never_attaches_an_existing_account_nor_tells_it_exists(client_for, isla, oscar):
    """Before: an existing account was attached at once, answered ``created_user: false``."""
    client = client_for(isla)
    unknown = invite_over_api(client, "nobody@elsewhere.test")
    existing = invite_over_api(client, "oscar@globex.test")
    assert unknown.status_code == existing.status_code == 201
    shape = {k: type(v) for k, v in unknown.json().items()}
    assert {k: type(v) for k, v in existing.json().items()} == shape
    assert not Membership.objects.filter(organization=isla.membership.organization, user=oscar.user)


def test_it_lists_and_withdraws_invitations(client_for, isla, vera):
    client = client_for(isla)
    created = invite_over_api(client, "nina@acme.test", INVITATIONS).json()
    assert [i["email"] for i in client.get(INVITATIONS).json()["results"]] == ["nina@acme.test"]
    assert client_for(vera).delete(f"{INVITATIONS}{created['id']}/").status_code == 403
    client = client_for(isla)
    assert client.delete(f"{INVITATIONS}{created['id']}/").status_code == 204
    assert client.get(f"{INVITATIONS}{created['id']}/").json()["status"] == "revoked"


def test_it_changes_a_role(client_for, isla, colin):
    response = client_for(isla).patch(
        member_url(colin.membership), {"role": "auditor"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "auditor"


def test_it_refuses_to_drop_the_last_owner(client_for, alice):
    response = client_for(alice).put(
        member_url(alice.membership), {"role": "viewer"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "last owner" in response.json()["detail"]


def test_it_refuses_owner_grants_to_non_owners(client_for, isla, colin):
    response = client_for(isla).patch(
        member_url(colin.membership), {"role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "only an owner" in response.json()["detail"]


def test_it_refuses_an_unknown_role(client_for, isla, colin):
    response = client_for(isla).patch(
        member_url(colin.membership), {"role": "boss"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "role" in response.json()


def test_it_removes_a_member(client_for, isla, colin):
    assert client_for(isla).delete(member_url(colin.membership)).status_code == 204
    assert not Membership.objects.filter(pk=colin.membership.pk).exists()


def test_it_keeps_changes_to_managers(client_for, colin, vera):
    client = client_for(colin)
    assert client.delete(member_url(vera.membership)).status_code == 403
    created = client.post(MEMBERS, {"email": "x@acme.test", "role": "viewer"})
    assert created.status_code == 403


def test_it_hides_other_organizations_memberships(client_for, isla, oscar):
    assert client_for(isla).get(member_url(oscar.membership)).status_code == 404
    assert client_for(isla).get("/api/v1/orgs/globex/memberships/").status_code == 404


# --- API key authentication ----------------------------------------------------------------


def bearer(client, key: str, url: str = MEMBERS, scheme: str = "Bearer"):
    return client.get(url, HTTP_AUTHORIZATION=f"{scheme} {key}")


def test_it_authenticates_a_key_and_records_its_use(client, colin):
    key = key_for(colin)
    response = bearer(client, key, scheme="bearer")
    assert response.status_code == 200
    assert APIKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "token",
    ["", "anx_", "not-a-key", "anx_abc", "anx__secret", "xyz_abc_def"],
    ids=["empty", "prefix-only", "no-prefix", "two-parts", "no-lookup", "wrong-prefix"],
)
def test_it_refuses_a_malformed_key(client, acme, token):
    response = bearer(client, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_an_unknown_key(client, colin):
    key = key_for(colin)
    lookup = key.split("_")[1]
    response = bearer(client, f"anx_{lookup}_forged-secret")
    assert response.status_code == 401
    assert response.json()["detail"] == "unknown API key"
    assert bearer(client, "anx_000000000000_whatever").status_code == 401


def test_it_refuses_a_revoked_key(client, colin):
    key = key_for(colin)
    services.revoke_api_key(colin.ctx, APIKey.objects.get())
    assert bearer(client, key).status_code == 401


def test_it_refuses_an_expired_key(client, colin):
    key = key_for(colin)
    APIKey.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert bearer(client, key).status_code == 401


def test_it_refuses_the_key_of_an_inactive_user(client, colin):
    key = key_for(colin)
    colin.user.is_active = False
    colin.user.save()
    assert bearer(client, key).status_code == 401


def test_it_confines_a_key_to_its_organization(client, alice, globex):
    services.add_member(OrgContext.system(globex), alice.user, Role.OWNER)
    key = key_for(alice)
    assert bearer(client, key, "/api/v1/orgs/globex/memberships/").status_code == 404
    assert bearer(client, key, "/api/v1/orgs/globex/").status_code == 404
    assert bearer(client, key).status_code == 200


def test_it_stops_a_key_when_its_user_leaves(client, isla, colin):
    key = key_for(colin)
    services.remove_member(isla.ctx, colin.membership)
    assert bearer(client, key).status_code == 401


def test_it_keeps_a_viewers_key_read_only(client, vera):
    key = key_for(vera)
    assert bearer(client, key).status_code == 200
    response = client.post(
        MEMBERS,
        {"email": "x@acme.test", "role": "viewer"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 403
