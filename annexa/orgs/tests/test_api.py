from datetime import timedelta

import pytest
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Membership

ORGS = "/api/v1/orgs/"
MEMBERS = "/api/v1/orgs/acme/memberships/"


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


def test_it_adds_a_new_person_and_returns_the_password_once(client_for, isla):
    response = client_for(isla).post(
        MEMBERS, {"email": "nina@acme.test", "role": "auditor"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["created_user"] is True
    assert data["role"] == "auditor"
    assert len(data["password"]) >= 20
    assert response["Cache-Control"] == "no-store"


def test_it_adds_an_existing_user_without_a_password(client_for, isla, oscar):
    response = client_for(isla).post(
        MEMBERS, {"email": "oscar@globex.test", "role": "viewer"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["password"] is None


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
