from django.urls import reverse
from typer.testing import CliRunner

from annexa.cli.main import app

runner = CliRunner()


def provision() -> str:
    """An organization and an ISMS manager made with the CLI; returns the printed password."""
    assert (
        runner.invoke(app, ["org", "create", "--name", "Acme Ltd", "--slug", "acme"]).exit_code == 0
    )
    result = runner.invoke(
        app,
        ["user", "create", "--email", "isla@acme.test", "--org", "acme", "--role", "isms_manager"],
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_it_renders_the_login_page(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"Log in to Annexa" in response.content
    assert b'name="login"' in response.content


def test_it_logs_in_with_the_printed_password(client, db, settings):
    settings.MFA_REQUIRED_ROLES = frozenset()  # the second factor is test_mfa.py's subject
    password = provision()
    response = client.post(
        reverse("account_login"), {"login": "isla@acme.test", "password": password}
    )
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url == "/o/acme/"
    members = client.get(reverse("orgs:members", kwargs={"org": "acme"}))
    assert members.status_code == 200
    assert b"isla@acme.test" in members.content


def test_it_refuses_a_wrong_password(client, db):
    provision()
    response = client.post(
        reverse("account_login"), {"login": "isla@acme.test", "password": "not the password"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("home")).url.startswith(reverse("account_login"))
