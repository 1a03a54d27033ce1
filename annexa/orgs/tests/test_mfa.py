"""Two-factor authentication: required for owners, ISMS managers, auditors and staff; a TOTP
code works once; a password reset does not skip it; every change is recorded."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from annexa.config import ConfigError
from annexa.core.testing.fixtures import PASSWORD, TOTP_SECRET, totp_code
from annexa.ledger.models import LedgerEntry
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.mfa import REQUIRED_MESSAGE, parse_required_roles
from annexa.orgs.models import Membership, User

SETUP = "/accounts/2fa/"


def password_step(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def nora(acme) -> User:
    """A new ISMS manager provisioned by the administrator: no second factor yet."""
    user, _ = services.create_user("nora@acme.test", "Nora", PASSWORD)
    Membership.objects.create(user=user, organization=acme, role=Role.ISMS_MANAGER)
    return user


# --- set-up is required --------------------------------------------------------------------


def test_a_manager_without_a_second_factor_is_sent_to_set_it_up(client, nora):
    """Before: the password alone opened every page."""
    client.force_login(nora)
    for path in ("/o/acme/", "/o/acme/members/", "/catalog/", "/admin/"):
        response = client.get(path)
        assert (response.status_code, response.url) == (302, SETUP), path
    page = client.get(SETUP, follow=True)
    assert page.status_code == 200
    assert REQUIRED_MESSAGE in page.content.decode()
    htmx = client.get("/o/acme/members/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == SETUP


def test_the_set_up_logout_and_static_files_stay_open(client, nora):
    client.force_login(nora)
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    assert not client.get(reverse("mfa_activate_totp")).url.startswith(SETUP + "?")
    assert client.get("/static/annexa/annexa.css").status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert not signed_in(client)


def test_the_api_refuses_a_session_without_a_second_factor_but_not_a_key(client, nora, acme):
    client.force_login(nora)
    response = client.get("/api/v1/orgs/acme/memberships/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    _key, plaintext = services.issue_api_key(services.OrgContext.system(acme), user=nora)
    client.logout()
    by_key = client.get("/api/v1/orgs/acme/memberships/", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert by_key.status_code == 200


def test_roles_that_do_not_require_it_are_let_through(client, colin, vera):
    for persona in (colin, vera):
        client.force_login(persona.user)
        assert client.get("/o/acme/").status_code == 200


def test_all_requires_it_of_everyone(client, colin, settings):
    settings.MFA_REQUIRED_ROLES = "all"
    client.force_login(colin.user)
    assert client.get("/o/acme/").url == SETUP


def test_staff_of_the_admin_need_it_too(client, db):
    root = User.objects.create_superuser("root@example.test")
    client.force_login(root)
    assert client.get("/admin/").url == SETUP


def test_the_required_roles_are_read_strictly():
    assert parse_required_roles(["owner", " auditor "]) == {"owner", "auditor"}
    assert parse_required_roles(["all"]) == "all"
    assert parse_required_roles(["none"]) == frozenset()
    with pytest.raises(ConfigError, match="ANNEXA_MFA_REQUIRED_ROLES: unknown role boss"):
        parse_required_roles(["owner", "boss"])


def test_setting_up_an_authenticator_app_opens_the_pages_and_is_recorded(
    client, nora, acme, settings, django_capture_on_commit_callbacks
):
    # allauth signals after the commit; its notification mail needs the request still open,
    # which the captured callbacks no longer have.
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = False
    password_step(client, nora.email)
    assert client.get("/o/acme/").url == SETUP
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'class="totp-qr"' in page.content.decode()  # inline SVG: no data: image for the CSP
    assert "data:image" not in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=nora, type="totp").exists()
    assert client.get("/o/acme/").status_code == 200
    entries = LedgerEntry.objects.filter(organization=acme, action="mfa_added").order_by("seq")
    # The app, and the recovery codes allauth generates with the first authenticator.
    assert [e.data for e in entries] == ['{"type":"totp"}', '{"type":"recovery_codes"}']
    assert {e.actor for e in entries} == {"nora@acme.test"}


# --- signing in with the second factor ------------------------------------------------------


def test_the_password_alone_does_not_sign_in_a_person_with_a_second_factor(client, isla):
    response = password_step(client, isla.user.email)
    assert response.url == reverse("mfa_authenticate")
    assert not signed_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert not signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and signed_in(client)
    assert client.get("/o/acme/").status_code == 200


def test_a_totp_code_works_only_once(client, isla):
    code = totp_code()
    password_step(client, isla.user.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in(client)
    client.post(reverse("account_logout"))
    password_step(client, isla.user.email)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert not signed_in(client)


def test_a_password_reset_does_not_skip_the_second_factor(client, isla, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": isla.user.email})
    [message] = mailoutbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", message.body)
    form = client.get(link.group(1), follow=True)
    new = "an entirely new passphrase 42"
    done = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert done.status_code == 302
    assert not signed_in(client)
    response = password_step(client, isla.user.email, new)
    assert response.url == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once_and_is_recorded(client, isla, acme):
    codes = RecoveryCodes.activate(isla.user).get_unused_codes()
    password_step(client, isla.user.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert signed_in(client)
    entry = LedgerEntry.objects.get(organization=acme, action="mfa_recovery_code_used")
    assert codes[0] not in entry.data
    client.post(reverse("account_logout"))
    password_step(client, isla.user.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert not signed_in(client)


def test_the_personas_have_the_authenticator_the_tests_compute_codes_for(isla, colin):
    assert isla.user.authenticator_set.get(type="totp")
    assert not colin.user.authenticator_set.exists()
    assert len(TOTP_SECRET) == 32


def test_the_profile_shows_the_address_and_two_factor_status(client_for, isla, colin):
    page = client_for(isla).get(reverse("orgs-account:profile")).content.decode()
    assert "isla@acme.test" in page and "Isla Manager" in page
    assert "Authenticator app: <strong>on</strong>" in page
    assert "Your role requires two-factor authentication" in page
    colin_page = client_for(colin).get(reverse("orgs-account:profile")).content.decode()
    assert "Authenticator app: off" in colin_page
