import json
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.orgs.models import APIKey, Organization

runner = CliRunner()
MEMBERS_API = "/api/v1/orgs/acme/memberships/"


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def said(result) -> str:
    """stderr on one line: rich wraps messages at the console width."""
    return " ".join(result.stderr.split())


def bearer(client, key: str, url: str = MEMBERS_API):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def acme_cli(db) -> str:
    assert run("org", "create", "--name", "Acme Ltd", "--slug", "acme").exit_code == 0
    return "acme"


def create_user(email: str, role: str = "isms_manager", *extra: str, stdin=None):
    return run(
        "user", "create", "--email", email, "--org", "acme", "--role", role, *extra, stdin=stdin
    )


def test_it_creates_an_organization_and_prints_its_slug(db):
    result = run("org", "create", "--name", "Acme Ltd", "--slug", "acme")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "acme\n"
    assert Organization.objects.get(slug="acme").name == "Acme Ltd"


def test_it_refuses_a_duplicate_slug_with_exit_2(acme_cli):
    result = run("org", "create", "--name", "Other", "--slug", "acme")
    assert result.exit_code == 2
    assert "'acme' already exists" in said(result)
    assert result.stdout == ""


def test_it_refuses_a_bad_slug_with_exit_2(db):
    result = run("org", "create", "--name", "Bad", "--slug", "Not A Slug")
    assert result.exit_code == 2
    assert "invalid slug" in said(result)


def test_it_lists_organizations_as_json(acme_cli):
    create_user("isla@acme.test")
    result = run("org", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    org = Organization.objects.get(slug="acme")
    assert row == {"slug": "acme", "name": "Acme Ltd", "uid": str(org.uid), "members": 1}


def test_it_lists_organizations_as_a_table(acme_cli):
    result = run("org", "list")
    assert result.exit_code == 0
    assert "Acme Ltd" in result.stdout
    assert "slug" in result.stdout.splitlines()[0]


def test_it_prints_a_generated_password_that_logs_in(acme_cli):
    result = create_user("Isla@Acme.test", "isms_manager", "--name", "Isla")
    assert result.exit_code == 0, result.stderr
    password = result.stdout.strip()
    assert len(password) >= 20
    assert "shown only this once" in said(result)
    user = authenticate(username="isla@acme.test", password=password)
    assert user is not None and user.full_name == "Isla"


def test_it_reads_the_password_from_stdin(acme_cli):
    result = create_user(
        "isla@acme.test", "viewer", "--password-stdin", stdin="a passphrase here\n"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert authenticate(username="isla@acme.test", password="a passphrase here") is not None


def test_it_refuses_a_weak_or_empty_stdin_password(acme_cli):
    weak = create_user("isla@acme.test", "viewer", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 2
    assert "password rejected" in said(weak)
    empty = create_user("isla@acme.test", "viewer", "--password-stdin", stdin="")
    assert empty.exit_code == 2
    assert "held no password" in said(empty)


def test_it_adds_an_existing_user_to_another_org_without_a_password(acme_cli, oscar):
    result = create_user("oscar@globex.test", "auditor")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "already has an account" in said(result)
    assert "none is printed" in said(result)
    assert oscar.user.memberships.count() == 2


def test_it_names_the_valid_roles_for_an_unknown_role(acme_cli):
    result = create_user("isla@acme.test", "boss")
    assert result.exit_code == 2
    assert "owner, isms_manager, control_owner, auditor, viewer" in said(result)


def test_it_names_the_existing_orgs_for_an_unknown_org(acme_cli):
    result = run("user", "create", "--email", "a@b.test", "--org", "nope", "--role", "owner")
    assert result.exit_code == 2
    assert "existing organizations: acme" in said(result)


def test_it_lists_members_as_json(acme_cli):
    create_user("isla@acme.test", "isms_manager", "--name", "Isla")
    result = run("user", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["email"], row["name"], row["role"]) == ("isla@acme.test", "Isla", "isms_manager")


def test_it_issues_a_key_that_works_until_revoked(acme_cli, client):
    create_user("isla@acme.test")
    result = run("apikey", "create", "--email", "isla@acme.test", "--org", "acme", "--name", "ci")
    assert result.exit_code == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("anx_")
    response = bearer(client, key)
    assert response.status_code == 200
    assert response.json()["results"][0]["email"] == "isla@acme.test"

    lookup = APIKey.objects.get().lookup
    revoked = run("apikey", "revoke", f"anx_{lookup}", "--org", "acme")
    assert revoked.exit_code == 0, revoked.stderr
    assert bearer(client, key).status_code == 401


def test_it_refuses_an_expired_key(acme_cli, client):
    create_user("isla@acme.test")
    result = run(
        "apikey", "create", "--email", "isla@acme.test", "--org", "acme", "--expires-days", "1"
    )
    key = result.stdout.strip()
    assert bearer(client, key).status_code == 200
    APIKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(client, key)
    assert response.status_code == 401
    assert "revoked or expired" in response.json()["detail"]


def test_it_lists_keys_without_their_secret(acme_cli):
    create_user("isla@acme.test")
    key = run("apikey", "create", "--email", "isla@acme.test", "--org", "acme").stdout.strip()
    result = run("apikey", "list", "--org", "acme", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["prefix"] == f"anx_{row['lookup']}"
    assert row["status"] == "active" and row["user"] == "isla@acme.test"
    assert key not in result.stdout
    assert key.rsplit("_", 1)[1] not in result.stdout


def test_it_refuses_a_key_for_a_non_member_or_unknown_user(acme_cli, oscar):
    outsider = run("apikey", "create", "--email", "oscar@globex.test", "--org", "acme")
    assert outsider.exit_code == 2
    assert "not a member of Acme Ltd" in said(outsider)
    unknown = run("apikey", "create", "--email", "nobody@acme.test", "--org", "acme")
    assert unknown.exit_code == 2
    assert "no user with e-mail" in said(unknown)


def test_it_refuses_to_revoke_an_unknown_or_revoked_key(acme_cli):
    create_user("isla@acme.test")
    run("apikey", "create", "--email", "isla@acme.test", "--org", "acme")
    lookup = APIKey.objects.get().lookup
    assert run("apikey", "revoke", lookup, "--org", "acme").exit_code == 0
    again = run("apikey", "revoke", lookup, "--org", "acme")
    assert again.exit_code == 2
    assert "already revoked" in said(again)
    unknown = run("apikey", "revoke", "ffffffffffff", "--org", "acme")
    assert unknown.exit_code == 2
    assert "apikey list --org acme" in said(unknown)
