import pytest
from django.urls import reverse

from annexa.core.testing.fixtures import give_totp
from annexa.ledger.services import history
from annexa.orgs import services
from annexa.orgs.models import APIKey, User

PAGES = ["orgs_user", "orgs_organization", "orgs_membership", "orgs_apikey"]


@pytest.fixture
def root(db) -> User:
    user = User.objects.create_superuser("root@example.test")
    give_totp(user)  # the admin's staff need two-factor authentication like owners
    return user


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_people_and_keys_to_superusers(client, root, alice, page):
    services.issue_api_key(alice.ctx)
    client.force_login(root)
    response = client.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_it_hides_them_from_other_staff(client, db, page):
    staff = User.objects.create_user("staff@example.test", is_staff=True)
    give_totp(staff)
    client.force_login(staff)
    assert client.get(reverse(f"admin:{page}_changelist")).status_code == 403


def test_it_opens_a_user_for_editing(client, root, alice):
    client.force_login(root)
    response = client.get(reverse("admin:orgs_user_change", args=[alice.user.pk]))
    assert response.status_code == 200
    assert b"alice@acme.test" in response.content


def test_it_revokes_keys_through_the_service(client, root, colin):
    key, _plaintext = services.issue_api_key(colin.ctx)
    client.force_login(root)
    response = client.post(
        reverse("admin:orgs_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert response.status_code == 302
    assert APIKey.objects.get(pk=key.pk).status == "revoked"
    entry = history(colin.ctx.org, "apikey", key.lookup).last()
    assert (entry.action, entry.actor) == ("revoke", "root@example.test")
