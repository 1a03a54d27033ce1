"""An e-mail address is verified before it is used: for signing in, for memberships and as
the ledger's actor. Changing it waits for the new address's link and is recorded."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.urls import reverse

from annexa.core.testing.fixtures import PASSWORD
from annexa.ledger.models import LedgerEntry
from annexa.orgs.models import User

VICTIM = "ceo@victim.test"


def signed_in(client, persona):
    """A real sign-in, then the password again: changing the address asks for it."""
    response = client.post(
        reverse("account_login"), {"login": persona.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_changing_the_address_asks_for_the_password_again(client, vera):
    client.post(reverse("account_login"), {"login": vera.user.email, "password": PASSWORD})
    response = ask_for(client, VICTIM)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email=VICTIM).exists()


def ask_for(client, email: str):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_a_new_address_waits_for_its_link_and_cannot_be_made_primary(client, vera):
    """Before: a viewer added VICTIM and made it primary, and User.email became VICTIM."""
    client = signed_in(client, vera)
    assert ask_for(client, VICTIM).status_code == 302
    pending = EmailAddress.objects.get(email=VICTIM)
    assert (pending.user, pending.verified, pending.primary) == (vera.user, False, False)
    client.post(reverse("account_email"), {"action_primary": "", "email": VICTIM})
    vera.user.refresh_from_db()
    assert vera.user.email == "vera@acme.test"
    assert not EmailAddress.objects.get(email=VICTIM).primary


def test_a_pending_address_signs_nobody_in(client, vera):
    signed_in(client, vera)
    ask_for(client, VICTIM)
    client.logout()
    response = client.post(reverse("account_login"), {"login": VICTIM, "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_verified_change_replaces_the_address_and_is_recorded(
    client, vera, acme, globex, mailoutbox, caplog
):
    from annexa.orgs.models import Membership

    Membership.objects.create(user=vera.user, organization=globex, role="viewer")
    signed_in(client, vera)
    mailoutbox.clear()
    ask_for(client, "vera@new.test")
    [message] = mailoutbox
    assert message.to == ["vera@new.test"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    with caplog.at_level("INFO", logger="annexa.security"):
        client.post(link)
    vera.user.refresh_from_db()
    assert vera.user.email == "vera@new.test"
    assert list(EmailAddress.objects.filter(user=vera.user).values_list("email", "verified")) == [
        ("vera@new.test", True)
    ]
    for org in (acme, globex):
        entry = LedgerEntry.objects.get(organization=org, action="change_email")
        assert entry.object_type == "account"
        assert '"vera@acme.test"' in entry.data and '"vera@new.test"' in entry.data
    assert "e-mail change" in caplog.text and "vera@new.test" in caplog.text


def test_the_old_address_stops_signing_in_after_a_change(client, vera):
    user = User.objects.get(pk=vera.user.pk)
    user.email = "vera@new.test"
    user.save()
    response = client.post(
        reverse("account_login"), {"login": "vera@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_it_signs_in_whatever_the_case_of_the_address(client, vera):
    response = client.post(
        reverse("account_login"), {"login": "Vera@ACME.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(vera.user.pk)


def test_it_logs_failed_sign_ins_without_the_password(client, vera, caplog):
    with caplog.at_level("WARNING", logger="annexa.security"):
        client.post(reverse("account_login"), {"login": "vera@acme.test", "password": "wrong pw"})
    assert "failed login for 'vera@acme.test'" in caplog.text
    assert "wrong pw" not in caplog.text


def test_it_records_a_sign_in_in_the_ledger(client, vera, acme):
    signed_in(client, vera)
    entry = LedgerEntry.objects.get(organization=acme, object_type="account", action="login")
    assert entry.actor == "vera@acme.test"
    assert PASSWORD not in entry.data


def test_the_migration_verifies_provisioned_addresses_only(db):
    """Accounts from before verification was required: an address the administrator
    provisioned becomes verified; one its user made primary without verifying stays not."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("annexa.orgs.migrations.0003_verified_addresses")
    provisioned = User.objects.create_user("cli@acme.test")
    visited = User.objects.create_user("visited@acme.test")  # allauth synced an unverified row
    EmailAddress.objects.create(user=visited, email=visited.email, verified=False, primary=False)
    attacker = User.objects.create_user(VICTIM)  # made primary on the e-mail page, never verified
    EmailAddress.objects.create(user=attacker, email="own@acme.test", verified=False)
    EmailAddress.objects.create(user=attacker, email=VICTIM, verified=False, primary=True)
    migration.verify_provisioned(apps, None)
    for user in (provisioned, visited):
        assert EmailAddress.objects.get(user=user, email=user.email).verified
        assert EmailAddress.objects.get(user=user, primary=True).email == user.email
    assert not EmailAddress.objects.get(email=VICTIM).verified
