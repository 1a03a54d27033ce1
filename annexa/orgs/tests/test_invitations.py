"""Invitations: the only way a person joins an organization they are not in yet."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.core.testing.fixtures import PASSWORD, totp_code
from annexa.ledger.models import LedgerEntry
from annexa.ledger.services import history
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import Invitation, Membership, User, hash_invitation_token
from annexa.orgs.services import InvitationRefused, OrgsError
from annexa.orgs.tests.factories import make_invitation

NEW_PASSWORD = "a long new passphrase 7"


def link_in(message) -> str:
    """The path of the invitation link in an e-mail."""
    return re.search(r"https?://[^/\s]+(/accounts/invitations/[^\s]+/)", message.body).group(1)


def accept_page(invitation) -> str:
    return reverse("orgs-account:invitation", kwargs={"invitation_token": invitation.token})


def test_it_mails_a_link_and_stores_only_the_tokens_hash(isla, mailoutbox):
    invitation, token = services.invite(isla.ctx, "Nina@Example.test", Role.AUDITOR)
    [message] = mailoutbox
    assert message.to == ["nina@example.test"]
    assert token in message.body and "Acme Ltd" in message.subject
    assert invitation.token_hash == hash_invitation_token(token) != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [entry] = history(isla.ctx.org, "invitation", str(invitation.uid))
    assert (entry.action, entry.actor) == ("create", "isla@acme.test")
    assert token not in str(entry.data_value)


def test_it_takes_the_validity_from_the_settings(isla, settings):
    settings.INVITATION_DAYS = 2
    invitation, _ = services.invite(isla.ctx, "nina@example.test", Role.VIEWER)
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_it_replaces_a_pending_invitation_of_the_same_address(isla):
    first, first_token = services.invite(isla.ctx, "nina@example.test", Role.VIEWER)
    services.invite(isla.ctx, "nina@example.test", Role.AUDITOR)
    first.refresh_from_db()
    assert first.status == "revoked"
    with pytest.raises(InvitationRefused, match="withdrawn"):
        services.find_invitation(first_token)


def test_it_keeps_invitations_to_managers_and_owner_grants_to_owners(colin, isla):
    with pytest.raises(PermissionDenied):
        services.invite(colin.ctx, "x@example.test", Role.VIEWER)
    with pytest.raises(PermissionDenied, match="only an owner"):
        services.invite(isla.ctx, "x@example.test", Role.OWNER)
    with pytest.raises(OrgsError, match="already a member"):
        services.invite(isla.ctx, "colin@acme.test", Role.VIEWER)


def test_it_saves_nothing_when_the_mail_cannot_be_sent(isla, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(OrgsError, match="could not be sent"):
        services.invite(isla.ctx, "nina@example.test", Role.VIEWER)
    assert not Invitation.objects.exists()


# --- following the link --------------------------------------------------------------------


def test_a_new_person_sets_a_password_and_joins_verified(client, isla, mailoutbox):
    services.invite(isla.ctx, "nina@example.test", Role.CONTROL_OWNER)
    link = link_in(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200 and b"Choose a password" in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    response = client.post(
        link, {"full_name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/o/acme/"
    nina = User.objects.get(email="nina@example.test")
    assert EmailAddress.objects.get(user=nina).verified  # the link proved the mailbox
    assert Membership.objects.get(user=nina).role == Role.CONTROL_OWNER
    assert client.get("/o/acme/").status_code == 200  # signed in
    entries = LedgerEntry.objects.filter(organization=isla.ctx.org, object_type="invitation")
    assert [e.action for e in entries.order_by("seq")] == ["create", "accept"]
    assert history(isla.ctx.org, "membership", "nina@example.test").last().actor == (
        "nina@example.test"
    )
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 410


def test_an_existing_account_logs_in_then_accepts(client, isla, oscar, mailoutbox):
    services.invite(isla.ctx, "oscar@globex.test", Role.VIEWER)
    link = link_in(mailoutbox[0])
    page = client.get(link)
    assert b"Log in to accept" in page.content
    assert client.post(link, {"password1": "x", "password2": "x"}).status_code == 200
    assert not Membership.objects.filter(user=oscar.user, organization=isla.ctx.org).exists()
    login = client.post(
        reverse("account_login"),
        {"login": "oscar@globex.test", "password": PASSWORD, "next": link},
    )
    assert login.url == reverse("mfa_authenticate")  # oscar owns globex: second factor
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert second.status_code == 302 and second.url == link
    assert b"Accept and join" in client.get(link).content
    assert client.post(link).url == "/o/acme/"
    assert Membership.objects.get(user=oscar.user, organization=isla.ctx.org).role == Role.VIEWER


def test_another_signed_in_person_cannot_use_the_link(client_for, isla, colin, acme):
    invitation = make_invitation(acme, "nina@example.test")
    client = client_for(colin)
    assert b"but this invitation is for" in client.get(accept_page(invitation)).content
    response = client.post(accept_page(invitation))
    assert b"this invitation is for nina@example.test" in response.content
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 410, b"expired"),
        ({"revoked_at": timezone.now()}, 410, b"withdrawn"),
        ({"accepted_at": timezone.now()}, 410, b"used already"),
    ],
)
def test_it_refuses_unusable_links_with_a_clear_page(client, acme, fields, status, reason):
    invitation = make_invitation(acme, "nina@example.test", **fields)
    for method in (client.get, client.post):
        response = method(accept_page(invitation))
        assert response.status_code == status
        assert reason in response.content
    assert not User.objects.filter(email="nina@example.test").exists()


def test_it_refuses_an_unknown_link(client, db):
    url = reverse("orgs-account:invitation", kwargs={"invitation_token": "not-a-token"})
    response = client.get(url)
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_it_refuses_a_weak_password_and_keeps_the_invitation(client, acme):
    invitation = make_invitation(acme, "nina@example.test")
    response = client.post(accept_page(invitation), {"password1": "short", "password2": "short"})
    assert b"password rejected" in response.content
    invitation.refresh_from_db()
    assert invitation.status == "pending"


# --- the command line ----------------------------------------------------------------------


def test_the_cli_invites_and_prints_the_link(acme, mailoutbox):
    result = CliRunner().invoke(
        app,
        ["user", "invite", "--email", "nina@example.test", "--org", "acme", "--role", "auditor"],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(link_in(mailoutbox[0]))
    assert "invited nina@example.test" in result.stderr


def test_the_cli_refuses_an_owner_of_nothing(acme):
    result = CliRunner().invoke(
        app, ["user", "invite", "--email", "x@example.test", "--org", "acme", "--role", "boss"]
    )
    assert result.exit_code == 2
    assert "choose one of" in result.stderr
