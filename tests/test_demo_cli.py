"""`annexa demo`: one login per role, printed whole, and a second run changes nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from typer.testing import CliRunner

from annexa.cli.demo import PEOPLE, _print_logins
from annexa.cli.main import app
from annexa.ledger.models import LedgerEntry
from annexa.orgs.models import Membership

pytestmark = pytest.mark.django_db


def test_it_prints_every_login_whole_when_piped(capsys):
    org = SimpleNamespace(name="Kestrel Analytics", slug="kestrel")
    logins = [
        {
            "role": "control_owner",
            "email": f"someone.with.a.long.name.{n}@subsidiary.kestrel.example",
            "password": f"Demo-{n}abcdefghijklmnopqrstu",
            "name": "Name",
            "title": "A title long enough to push the table past eighty columns",
        }
        for n in range(3)
    ]
    _print_logins(org, logins)
    lines = capsys.readouterr().err.splitlines()
    for login in logins:
        # e-mail and password whole on one line: copied from a log, they must work
        assert any(login["email"] in line and login["password"] in line for line in lines)


def test_it_builds_the_demo_once_and_prints_working_logins(catalog, settings):
    # argon2 is slow on purpose; the passwords' hashing is not what this test is about
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--format", "json"])
    assert first.exit_code == 0, first.stderr
    logins = json.loads(first.stdout)["logins"]
    assert {login["role"] for login in logins} == {
        "owner",
        "isms_manager",
        "control_owner",
        "auditor",
        "viewer",
    }
    assert len(logins) == len(PEOPLE)
    for login in logins:
        assert authenticate(email=login["email"], password=login["password"]) is not None
    entries = LedgerEntry.objects.count()
    members = list(Membership.objects.order_by("pk").values_list("user__email", "role"))

    again = runner.invoke(app, ["demo", "--format", "json"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["logins"] == logins
    assert LedgerEntry.objects.count() == entries  # nothing changed, nothing recorded
    assert list(Membership.objects.order_by("pk").values_list("user__email", "role")) == members


def test_a_second_demo_keeps_what_people_changed_and_records_the_demo_as_the_system(
    catalog, settings
):
    from annexa.core.tenancy import DEMO_ACTOR, OrgContext
    from annexa.isms.models import SoAEntry
    from annexa.isms.services import update_soa_entry
    from annexa.orgs.models import Organization, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--format", "json"])
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["created"] is True
    assert set(LedgerEntry.objects.values_list("actor", flat=True)) <= {"system", DEMO_ACTOR}

    org = Organization.objects.get(slug="kestrel")
    manager = User.objects.get(email="isms@kestrel.example")
    ctx = OrgContext.member(org, manager)
    update_soa_entry(ctx, "A.5.1", {"justification": "Rewritten by the ISMS manager."})
    manager.set_password("a-password-the-manager-chose")
    manager.save()
    entries = LedgerEntry.objects.count()

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.stderr
    assert "exists already: left as it is" in again.stderr
    assert "(changed by its user)" in again.stderr  # the manager's printed password is not valid
    assert LedgerEntry.objects.count() == entries
    entry = SoAEntry.objects.get(organization=org, control_id="A.5.1")
    assert entry.justification == "Rewritten by the ISMS manager."
    manager.refresh_from_db()
    assert manager.check_password("a-password-the-manager-chose")
    assert list(
        LedgerEntry.objects.exclude(actor__in=["system", DEMO_ACTOR]).values_list(
            "actor", flat=True
        )
    ) == [manager.email]
