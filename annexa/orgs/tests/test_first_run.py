"""The first run: with no organization, the server administrator creates the first one and its
owner in the browser, with the one-time setup code the server printed; afterwards the page is
gone."""

from __future__ import annotations

import stat

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from annexa.ledger.models import LedgerEntry
from annexa.orgs import first_run
from annexa.orgs.models import Membership, Organization, User

SETUP = "/accounts/setup/"
GOOD_PASSWORD = "correct horse battery staple 7"


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    """A setup code of this test's own (it lives in ANNEXA_HOME)."""
    settings.HOME = tmp_path
    return tmp_path


def form(code: str, **changes: str) -> dict[str, str]:
    data = {
        "setup_code": code,
        "name": "Acme Ltd",
        "slug": "acme",
        "full_name": "Alice Owner",
        "email": "Alice@Acme.example",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    return {**data, **changes}


def errors_of(response) -> dict[str, list[str]]:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


def test_the_home_page_leads_to_the_setup_while_no_organization_exists(client, db):
    assert client.get("/").url == SETUP
    login = client.get(reverse("account_login"))
    assert login.status_code == 200
    assert f"creates the first organization and its owner at {SETUP}" in login.content.decode()
    Organization.objects.create(name="Acme Ltd", slug="acme")
    assert client.get("/").url == reverse("account_login")
    assert "no organization yet" not in client.get(reverse("account_login")).content.decode()


def test_the_page_writes_a_private_setup_code_and_asks_for_it(client, db, home):
    response = client.get(SETUP)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = first_run.read_token()
    assert code and len(code) >= 24
    assert stat.S_IMODE((home / "setup-token").stat().st_mode) == 0o600
    assert code not in response.content.decode()  # the page asks for it, never shows it
    assert client.get(SETUP) and first_run.read_token() == code  # one code until it is used


def test_it_creates_the_organization_and_its_owner_and_signs_the_owner_in(client, db, home):
    client.get(SETUP)
    response = client.post(SETUP, form(first_run.read_token()))
    assert response.status_code == 302 and response.url == "/o/acme/"
    org = Organization.objects.get()
    assert (org.name, org.slug) == ("Acme Ltd", "acme")
    owner = Membership.objects.get(organization=org)
    assert owner.role == "owner" and owner.user.email == "alice@acme.example"
    assert owner.user.full_name == "Alice Owner" and owner.user.check_password(GOOD_PASSWORD)
    assert get_user(client).pk == owner.user.pk
    # An owner needs a second factor (ANNEXA_MFA_REQUIRED_ROLES): that comes next.
    assert client.get("/o/acme/").url == reverse("mfa_index")
    # The ledger records it as `annexa org create` and `annexa user create` do: the system's.
    entries = LedgerEntry.objects.filter(organization=org).order_by("seq")
    made = [(e.object_type, e.action, e.actor) for e in entries][:2]
    assert made == [("organization", "create", "system"), ("membership", "add", "system")]
    # The code is used up and the page is gone, whatever is sent.
    assert not (home / "setup-token").exists()
    client.logout()
    assert client.get(SETUP).status_code == 404
    assert client.post(SETUP, form("anything", slug="other")).status_code == 404
    assert Organization.objects.count() == 1


def test_a_wrong_setup_code_creates_nothing(client, db, caplog):
    client.get(SETUP)
    code = first_run.read_token()
    for wrong in ("", "not-the-code", code[:-1]):
        response = client.post(SETUP, form(wrong))
        assert response.status_code == 400
        assert "setup_code" in errors_of(response)
    assert "The setup code is not right" in response.content.decode()
    assert "first run refused" in caplog.text and code not in caplog.text
    assert not Organization.objects.exists() and not User.objects.exists()
    assert first_run.read_token() == code


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "something else entirely 8"}, "password2", "The two passwords differ."),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "short7", "password2": "short7"}, "password1", "too short"),
        ({"slug": "Acme Ltd"}, "slug", "lowercase letters, digits and hyphens"),
        ({"name": ""}, "name", "required"),
        ({"email": "not-an-address"}, "email", "valid email"),
    ],
)
def test_bad_input_gets_a_clear_message_and_creates_nothing(client, db, changes, field, message):
    client.get(SETUP)
    code = first_run.read_token()
    response = client.post(SETUP, form(code, **changes))
    assert response.status_code == 400
    assert message in " ".join(errors_of(response)[field])
    assert not Organization.objects.exists() and not User.objects.exists()
    assert first_run.read_token() == code  # refused input does not use the code up


def test_an_address_that_has_an_account_is_refused(client, db):
    User.objects.create_user(email="alice@acme.example", password=GOOD_PASSWORD)
    client.get(SETUP)
    response = client.post(SETUP, form(first_run.read_token()))
    assert response.status_code == 400
    assert "An account with this address exists already" in errors_of(response)["email"][0]
    assert not Organization.objects.exists()


def test_a_slug_taken_meanwhile_is_refused_and_the_code_kept(client, db, monkeypatch):
    """Two administrators racing: the other one's organization appeared after the page was
    opened. The service's refusal is shown and nothing half-made stays behind."""
    client.get(SETUP)
    code = first_run.read_token()
    Organization.objects.create(name="Acme Ltd", slug="acme")
    monkeypatch.setattr(first_run, "setup_needed", lambda: True)
    response = client.post(SETUP, form(code))
    assert response.status_code == 400
    assert errors_of(response)["__all__"] == ["an organization with slug 'acme' already exists"]
    assert Organization.objects.count() == 1 and not User.objects.exists()
    assert first_run.read_token() == code


def test_the_service_refuses_once_an_organization_exists(db):
    code = first_run.ensure_token()
    Organization.objects.create(name="Globex", slug="globex")
    with pytest.raises(first_run.SetupRefused, match="set up already"):
        first_run.create_first_organization(
            code, name="Acme", slug="acme", email="a@acme.example", full_name="A", password="x"
        )


def test_serve_prints_the_setup_code_only_while_it_is_needed(db, home, capsys):
    from annexa.cli.setup import _announce_first_run

    _announce_first_run("127.0.0.1", 8000)
    said = " ".join(capsys.readouterr().err.split())
    code = first_run.read_token()
    assert "http://127.0.0.1:8000/accounts/setup/ (or this server's public address)" in said
    assert f"enter the setup code {code}" in said
    Organization.objects.create(name="Acme Ltd", slug="acme")
    _announce_first_run("127.0.0.1", 8000)
    assert capsys.readouterr().err == "" and not (home / "setup-token").exists()
