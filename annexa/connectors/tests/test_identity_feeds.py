"""Collections feed the people register: the accounts of the Okta org, the AWS account's IAM
users and the GitHub organization's members (for access reviews and the leaver checks), and,
when the identity connector is told to, the org's people."""

from __future__ import annotations

import datetime as dt

import pytest

from annexa.connectors import services
from annexa.connectors.choices import RunStatus
from annexa.connectors.services import account_feed
from annexa.connectors.tests.github_support import ORG, GithubReplay, Scenario
from annexa.connectors.tests.github_support import TOKEN as GITHUB_TOKEN
from annexa.connectors.tests.okta_support import DOMAIN, TOKEN, OktaReplay
from annexa.connectors.tests.test_aws import account, moto_account  # noqa: F401 (fixtures)
from annexa.ledger.models import LedgerEntry
from annexa.monitoring.services import orchestration
from annexa.people.choices import PersonSource
from annexa.people.models import Account, Person


@pytest.fixture
def okta(server_allowed):
    server = OktaReplay().start()
    yield server
    server.stop()


def okta_connector(ctx, url: str, **values):
    return services.create(
        ctx,
        name="Okta",
        kind="okta",
        values={"org_url": url, "rate_limit_wait_seconds": 10, **values},
        secrets={"token": TOKEN},
    )


def person(ctx, name: str, email: str = "", employee_id: str = "", **values) -> Person:
    return Person.objects.create(
        organization=ctx.org,
        name=name,
        email=email,
        employee_id=employee_id,
        source=PersonSource.IMPORT,
        **values,
    )


def accounts_of(ctx, system: str) -> dict[str, Account]:
    return {a.username: a for a in Account.objects.for_org(ctx.org).filter(system=system)}


def collect(ctx, connector):
    result = orchestration.collect_now(ctx, connector)
    assert result.run.status == RunStatus.SUCCEEDED, result.run.message
    return result


def test_an_okta_collection_creates_accounts_matched_to_people(isla, catalog, okta):
    ctx = isla.ctx
    ada = person(ctx, "Ada Lovelace", f"Ada.Lovelace@{DOMAIN}")
    cyrus = person(ctx, "Cyrus Vale", "cyrus@private.example", employee_id="E003")
    collect(ctx, okta_connector(ctx, okta.url))
    found = accounts_of(ctx, "Okta")
    assert len(found) == 428
    first = found[f"ada.lovelace@{DOMAIN}"]
    assert first.person == ada and first.privileged and first.enabled and first.mfa_enabled
    assert first.entitlements == ["Engineering", "Everyone", "Super Administrator"]
    assert first.last_login is not None and first.last_login.tzinfo is not None
    assert first.source == "connector" and first.source_ref == "Okta"
    helpdesk = found[f"cyrus.vale@{DOMAIN}"]  # matched by the employee id Okta gives
    assert helpdesk.person == cyrus and helpdesk.privileged and helpdesk.mfa_enabled is False
    gone = found[f"fay.lindqvist@{DOMAIN}"]
    assert gone.enabled is False and gone.present and gone.mfa_enabled is None
    assert found[f"eli.brandt@{DOMAIN}"].enabled is False  # suspended
    assert found["staff0000@kestrel.example"].person is None  # nobody in the register
    assert LedgerEntry.objects.filter(organization=ctx.org, object_type="account_list").count() == 1
    # No people are fed unless the connector is told to.
    assert Person.objects.for_org(ctx.org).count() == 2


def test_a_later_collection_disables_and_removes_accounts(isla, catalog, okta):
    ctx = isla.ctx
    dana = person(ctx, "Dana Ortiz", f"dana.ortiz@{DOMAIN}")
    connector = okta_connector(ctx, okta.url)
    collect(ctx, connector)
    assert accounts_of(ctx, "Okta")[f"dana.ortiz@{DOMAIN}"].enabled is True
    okta.scenario.by_login(f"dana.ortiz@{DOMAIN}").status = "DEPROVISIONED"
    staff = okta.scenario.by_login("staff0007@kestrel.example")
    okta.scenario.people.remove(staff)
    collect(ctx, connector)
    found = accounts_of(ctx, "Okta")
    assert found[f"dana.ortiz@{DOMAIN}"].enabled is False
    assert found[f"dana.ortiz@{DOMAIN}"].person == dana
    assert found["staff0007@kestrel.example"].present is False
    # An unchanged org stores no new evidence and syncs nothing again.
    collect(ctx, connector)
    assert LedgerEntry.objects.filter(organization=ctx.org, object_type="account_list").count() == 2


def test_an_identity_connector_told_to_feeds_its_people(isla, catalog, okta):
    ctx = isla.ctx
    hr = person(ctx, "Bo Nakamura", f"bo.nakamura@{DOMAIN}", department="Information Security")
    collect(ctx, okta_connector(ctx, okta.url, feed_people=True))
    people = {p.email: p for p in Person.objects.for_org(ctx.org)}
    ada = people[f"ada.lovelace@{DOMAIN}"]
    assert ada.source == PersonSource.IDENTITY and ada.employee_id == "E001"
    assert (ada.department, ada.job_title) == ("Engineering", "CTO")
    # HR's department stands; the manager Okta names is linked.
    hr.refresh_from_db()
    assert hr.department == "Information Security" and hr.manager == ada
    assert "gus@nordwind.example" not in people  # a guest
    assert f"fay.lindqvist@{DOMAIN}" not in people  # deprovisioned
    assert f"eli.brandt@{DOMAIN}" in people  # suspended: still employed
    assert len(people) == 8 - 2 + 420
    # Accounts are matched to the people just fed.
    assert accounts_of(ctx, "Okta")[f"ada.lovelace@{DOMAIN}"].person == ada


def test_a_failing_feed_never_fails_the_run(isla, catalog, okta, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the register is on fire")

    monkeypatch.setattr(account_feed, "feed_run", broken)
    result = orchestration.collect_now(isla.ctx, okta_connector(isla.ctx, okta.url))
    assert result.run.status == RunStatus.SUCCEEDED and result.judged
    assert "feeding accounts" in caplog.text
    assert not Account.objects.for_org(isla.ctx.org).exists()


def test_github_members_and_outside_collaborators_become_accounts(isla, catalog, server_allowed):
    server = GithubReplay(Scenario()).start()
    try:
        connector = services.create(
            isla.ctx,
            name="GitHub",
            kind="github",
            values={"organization": ORG, "api_url": server.url, "rate_limit_wait_seconds": 10},
            secrets={"token": GITHUB_TOKEN},
        )
        collect(isla.ctx, connector)
    finally:
        server.stop()
    found = accounts_of(isla.ctx, "GitHub")
    assert set(found) >= {"ada-kestrel", "eli-brandt", "nordwind-contractor", "qa-partner-lena"}
    assert len(found) == 8
    assert found["ada-kestrel"].privileged
    assert found["ada-kestrel"].entitlements == ["organization owner"]
    assert found["eli-brandt"].mfa_enabled is False and not found["eli-brandt"].privileged
    assert found["nordwind-contractor"].entitlements == ["outside collaborator"]


def test_aws_iam_users_become_accounts(isla, catalog, request):
    aws = request.getfixturevalue("account")  # test_aws's moto account, reachable
    key_id, secret_key = aws.reader_key
    connector = services.create(
        isla.ctx,
        name="AWS production",
        kind="aws",
        values={"access_key_id": key_id, "endpoint_url": aws.url},
        secrets={"secret_access_key": secret_key},
    )
    collect(isla.ctx, connector)
    found = accounts_of(isla.ctx, "AWS production")
    assert {"alice-admin", "bob-dev", "ci-deploy", "auditor"} <= set(found)
    alice, bob, ci = found["alice-admin"], found["bob-dev"], found["ci-deploy"]
    assert alice.privileged and alice.mfa_enabled and "console" in alice.entitlements
    assert "AdministratorAccess" in alice.entitlements
    assert bob.privileged and bob.mfa_enabled is False
    assert bob.entitlements == ["AdministratorAccess (group admins)", "access keys", "console"]
    assert not ci.privileged and ci.entitlements == ["access keys"] and ci.enabled
    assert all(a.source_ref == "AWS production" for a in found.values())


def test_an_unreadable_list_leaves_the_previous_accounts_standing(isla, catalog):
    from annexa.connectors.formats.snapshot import Snapshot

    refused = Snapshot("aws", "123456789012", {"iam": {"users": {"readable": False}}})
    fed = account_feed.feed_snapshot(isla.ctx.org, "AWS", refused)
    assert fed.accounts is None
    assert not Account.objects.for_org(isla.ctx.org).exists()
    when = dt.date(2026, 1, 5)
    readable = Snapshot(
        "aws",
        "123456789012",
        {
            "iam": {
                "users": {
                    "readable": True,
                    "items": [
                        {
                            "name": "old-key",
                            "password_enabled": False,
                            "password_last_used": None,
                            "mfa_active": False,
                            "access_keys": [
                                {"slot": 1, "active": True, "last_used": when.isoformat()},
                                {"slot": 2, "active": False, "last_used": "2026-03-01"},
                            ],
                        }
                    ],
                }
            }
        },
    )
    account_feed.feed_snapshot(isla.ctx.org, "AWS", readable)
    (row,) = Account.objects.for_org(isla.ctx.org)
    # The last use of an inactive key does not count.
    assert row.last_login == dt.datetime(2026, 1, 5, tzinfo=dt.UTC) and row.enabled


@pytest.mark.parametrize("kind", ["okta", "entra", "google_workspace"])
def test_every_identity_connector_can_be_told_to_feed_its_people(kind):
    """The feed reads ``feed_people`` from the connector's configuration: each identity
    provider offers it, off unless the ISMS manager turns it on."""
    from annexa.connectors.registry import get
    from annexa.connectors.schema import describe

    spec = {s.name: s for s in describe(get(kind).config_class)}["feed_people"]
    assert (spec.type, spec.default, spec.required) == ("bool", False, False)
