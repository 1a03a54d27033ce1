"""The Google Workspace connector against a local replay of Google's token endpoint and the
Admin SDK Directory API.

The replay (``google_support``) checks the signed JWT assertion with the test service
account's public key, serves fixture bodies shaped like the Directory API's resources three
at a time, rate limits and refuses on demand, and records every request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from annexa.connectors import netguard, services
from annexa.connectors.base import CollectError
from annexa.connectors.builtins.google_workspace import (
    GoogleWorkspaceConfig,
    GoogleWorkspaceConnector,
)
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.google.client import SCOPES
from annexa.connectors.identity.schema import check_identity_data
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests.entra_support import (
    Sink,
    collected,
    judge,
    left,
    run,
    secret_nowhere,
    users_of,
)
from annexa.connectors.tests.google_support import (
    ACCESS_TOKEN,
    ADMIN,
    CLIENT_EMAIL,
    DIRECTORY,
    DOMAIN,
    KEY_ID,
    USERS,
    GoogleReplay,
    RateLimit,
    Scenario,
    key_file,
    key_secrets,
    private_key,
)
from annexa.monitoring.services import orchestration

GROUPS = f"{DIRECTORY}/groups"
ROLES = f"{DIRECTORY}/customer/my_customer/roles"
ASSIGNMENTS = f"{DIRECTORY}/customer/my_customer/roleassignments"


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


def serving(scenario: Scenario | None = None) -> GoogleReplay:
    """The replay, started by ``with`` and stopped after it."""
    return GoogleReplay(scenario)


@pytest.fixture
def replay(allow_loopback):
    with serving() as server:
        yield server


def config(server: GoogleReplay, **values) -> GoogleWorkspaceConfig:
    key = values.pop("key", None) or key_file()
    plain = {
        "domain": DOMAIN,
        "admin_email": ADMIN,
        "directory_url": server.base,
        "token_uri": server.token_uri,
        "throttle_wait_seconds": 10,
        **values,
    }
    made = build(GoogleWorkspaceConfig, plain, {"service_account_key": key})
    assert isinstance(made, GoogleWorkspaceConfig)
    return made


def collect(server, tmp_path: Path, **values) -> tuple[Sink, snapshot.Snapshot]:
    return run(GoogleWorkspaceConnector(config(server, **values)), tmp_path)


def assert_nothing_secret(*texts: str) -> None:
    for text in texts:
        for piece in (*key_secrets(), ACCESS_TOKEN):
            assert piece not in text


class TestCollection:
    def test_it_records_the_account_as_identity_facts(self, replay, tmp_path):
        sink, found = collect(replay, tmp_path)
        assert found.target == f"google:{DOMAIN}"
        assert list(sink.files) == [f"identity-google-{DOMAIN}.json"]
        data = found.data
        assert check_identity_data(data) == []
        assert data["provider"] == "google" and data["tenant"] == DOMAIN
        assert data["unreadable"] == {}
        users = users_of(found)
        assert len(users) == 8
        assert users[ADMIN] == {
            "id": "1084217734912000001",
            "username": ADMIN,
            "email": ADMIN,
            "name": "Ada Kestrel",
            "state": "active",
            "enabled": True,
            "mfa_enrolled": True,
            "mfa_methods": [],
            "last_sign_in": "2026-12-06T22:10:02Z",
            "created": "2021-03-04T09:12:44Z",
            "admin_roles": ["Super Admin"],
            "groups": ["All Staff"],
            "department": "IT",
            "title": "Head of IT",
            "employee_id": "E1001",
            "manager": "",
            "external": False,
        }
        assert users["bo@kestrel.example"]["admin_roles"] == ["User Management Admin"]
        assert users["bo@kestrel.example"]["manager"] == ADMIN
        # A custom role assigned in one organizational unit is an administrator role too.
        cyrus = users["cyrus@kestrel.example"]
        assert cyrus["admin_roles"] == ["Security Auditor"]
        assert cyrus["groups"] == ["All Staff", "Engineering", "QA Partners"]
        # A role assigned to a group is held by its members.
        assert users["hana@kestrel.example"]["admin_roles"] == ["Help Desk Admin"]
        assert users["hana@kestrel.example"]["groups"] == ["All Staff", "IT Helpdesk"]
        assert users["dana@kestrel.example"]["mfa_enrolled"] is False
        eli, gus = users["eli@kestrel.example"], users["gus@kestrel.example"]
        assert (eli["state"], eli["enabled"]) == ("suspended", False)
        assert (gus["state"], gus["enabled"]) == ("deprovisioned", False)
        fay = users["fay@kestrel.example"]
        assert fay["last_sign_in"] is None  # Google's 1970-01-01: never signed in
        assert fay["created"] == "2026-12-02T09:00:00Z"
        assert fay["manager"] == "cyrus@kestrel.example"
        assert [(g["name"], g["member_count"]) for g in data["groups"]] == [
            ("All Staff", 8),  # seven people and the Engineering group
            ("Engineering", 2),
            ("Finance", 2),
            ("IT Helpdesk", 1),
            ("QA Partners", 2),
        ]
        roles = {r["name"]: r["members"] for r in data["admin_roles"]}
        # Unassigned prebuilt roles are left out; the assignment to an unknown id counts no one.
        assert roles == {
            "Help Desk Admin": ["hana@kestrel.example"],
            "Security Auditor": ["cyrus@kestrel.example"],
            "Super Admin": [ADMIN],
            "User Management Admin": ["bo@kestrel.example"],
        }
        policy = data["mfa_policy"]
        assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (False, True)
        assert "enforced for 5 of 6 active users" in policy["detail"]
        assert "not enforced for dana@kestrel.example" in policy["detail"]
        raw = next(iter(sink.files.values())).decode()
        assert "_enforced" not in raw
        assert_nothing_secret(raw, *sink.messages)

    def test_an_unchanged_account_reads_to_the_same_bytes(self, replay, tmp_path):
        first, _ = collect(replay, tmp_path)
        second, _ = collect(replay, tmp_path)
        assert first.files == second.files

    def test_it_signs_one_assertion_and_pages_through_everything(self, replay, tmp_path):
        collect(replay, tmp_path)
        posts = [r for r in replay.requests if r.method == "POST"]
        assert len(posts) == 1 and len(replay.claims) == 1
        claims = replay.claims[0]
        assert claims["header"] == {"alg": "RS256", "typ": "JWT", "kid": KEY_ID}
        assert claims["iss"] == CLIENT_EMAIL and claims["sub"] == ADMIN
        assert claims["aud"] == replay.token_uri and claims["exp"] - claims["iat"] == 3600
        assert claims["scope"].split() == list(SCOPES)
        assert all("readonly" in scope for scope in SCOPES)
        for request in replay.requests[1:]:
            assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        # Eight users, three a page.
        pages = [r.query for r in replay.requests if r.path == USERS]
        assert len(pages) == 3 and "pageToken" not in pages[0]
        assert pages[1]["pageToken"] != pages[2]["pageToken"]
        assert all(q["customer"] == "my_customer" and q["maxResults"] == "500" for q in pages)
        assert "isEnrolledIn2Sv" in pages[0]["fields"]
        assert replay.count(GROUPS) == 2
        assert replay.count(f"{GROUPS}/03x8tuzt01k5fq3a/members") == 3
        assert replay.count(ROLES) == 2 and replay.count(ASSIGNMENTS) == 2

    def test_it_backs_off_when_rate_limited(self, allow_loopback, tmp_path):
        with serving(
            Scenario(
                limits=[
                    RateLimit(USERS, "429"),
                    RateLimit(GROUPS, "403"),  # userRateLimitExceeded
                    RateLimit(ROLES, "503", retry_after="1"),
                ]
            )
        ) as server:
            _sink, found = collect(server, tmp_path)
        assert check_identity_data(found.data) == [] and found.data["unreadable"] == {}
        assert len(found.data["users"]) == 8 and len(found.data["groups"]) == 5
        assert server.count(USERS) == 4 and server.count(GROUPS) == 3
        assert server.count(ROLES) == 3

    def test_it_gives_up_past_the_maximum_wait(self, allow_loopback, tmp_path):
        with (
            serving(
                Scenario(limits=[RateLimit(USERS, "403", times=10, retry_after="30")])
            ) as server,
            pytest.raises(CollectError) as caught,
        ):
            collect(server, tmp_path, throttle_wait_seconds=5)
        message = str(caught.value)
        assert "HTTP 403 userRateLimitExceeded" in message and "retry after 30 s" in message
        assert "5 s it may wait" in message
        assert server.count(USERS) == 1

    def test_a_key_google_does_not_know_is_refused(self, replay, tmp_path):
        with pytest.raises(CollectError) as caught:
            collect(replay, tmp_path, key=key_file(private_key(1)))
        message = str(caught.value)
        assert "invalid_grant: Invalid JWT Signature." in message
        assert "domain-wide delegation" in message
        assert_nothing_secret(message)
        assert [r.method for r in replay.requests] == ["POST"]

    def test_an_address_the_delegation_may_not_act_for_is_refused(self, replay, tmp_path):
        with pytest.raises(CollectError) as caught:
            collect(replay, tmp_path, admin_email="dana@kestrel.example")
        message = str(caught.value)
        assert "unauthorized_client: Client is unauthorized" in message
        assert "dana@kestrel.example is an administrator" in message

    def test_a_token_the_directory_refuses_is_a_credentials_error(self, replay, tmp_path):
        token = replay._token

        def stale(form):
            status, body, headers = token(form)
            return status, {**body, "access_token": "ya29.expired"}, headers

        replay._token = stale
        with pytest.raises(CollectError, match=r"HTTP 401: Request had invalid auth.*authError"):
            collect(replay, tmp_path)

    def test_it_records_what_the_delegation_may_not_read(self, allow_loopback, tmp_path):
        with serving(Scenario(forbidden={ROLES, f"{GROUPS}/03x8tuzt03k5fq3a/members"})) as server:
            _sink, found = collect(server, tmp_path)
        data = found.data
        assert check_identity_data(data) == []
        assert set(data["unreadable"]) == {"admin_roles", "group Finance"}
        refused = data["unreadable"]["admin_roles"]
        assert "HTTP 403 Not Authorized to access this resource/api" in refused
        assert data["admin_roles"] == []
        users = users_of(found)
        # Without the role assignments, what each user's flags say.
        assert users[ADMIN]["admin_roles"] == ["Super Admin"]
        assert users["bo@kestrel.example"]["admin_roles"] == ["Delegated Admin"]
        assert users["hana@kestrel.example"]["admin_roles"] == []
        assert users["dana@kestrel.example"]["groups"] == ["All Staff"]  # Finance unread
        finance = next(g for g in data["groups"] if g["name"] == "Finance")
        assert finance["member_count"] == 2  # groups.list still says how many

    def test_users_it_may_not_read_fail_the_collection(self, allow_loopback, tmp_path):
        with (
            serving(Scenario(forbidden={USERS})) as server,
            pytest.raises(CollectError, match=r"may not list the users.*user.readonly"),
        ):
            collect(server, tmp_path)

    def test_enforcement_for_everyone_is_read_from_each_user(self, allow_loopback, tmp_path):
        scenario = Scenario()
        scenario.user("dana").update(isEnrolledIn2Sv=True, isEnforcedIn2Sv=True)
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
            policy = found.data["mfa_policy"]
            assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (True, True)
            scenario.user("bo")["isEnforcedIn2Sv"] = False
            _sink, found = collect(server, tmp_path)
            policy = found.data["mfa_policy"]
            assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (False, False)

    def test_it_checks_the_configuration(self, settings):
        settings.OUTBOUND_ALLOW = ()
        with pytest.raises(ConfigInvalid) as caught:
            build(
                GoogleWorkspaceConfig,
                {
                    "domain": "not a domain",
                    "admin_email": "ada",
                    "directory_url": "http://127.0.0.1:9/",
                    "token_uri": "http://169.254.169.254/token",
                },
                {"service_account_key": key_file()},
            )
        assert set(caught.value.errors) == {"domain", "admin_email", "directory_url", "token_uri"}
        assert "loopback" in caught.value.errors["directory_url"]
        good = {"domain": DOMAIN, "admin_email": ADMIN}
        bad_keys = {
            "{not json": "not JSON",
            "[]": "must be a JSON object",
            key_file(type="authorized_user"): "not a service account key",
            key_file(client_email=""): "lacks client_email",
            key_file(
                private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ): "not a readable PEM private key",
        }
        for text, expected in bad_keys.items():
            with pytest.raises(ConfigInvalid) as caught:
                build(GoogleWorkspaceConfig, good, {"service_account_key": text})
            assert list(caught.value.errors) == ["service_account_key"]
            assert expected in caught.value.errors["service_account_key"]
            assert_nothing_secret(str(caught.value))
        made = build(GoogleWorkspaceConfig, good, {"service_account_key": key_file()})
        assert made.directory_url == "https://admin.googleapis.com"
        assert made.token_uri == "https://oauth2.googleapis.com/token"
        assert_nothing_secret(repr(made), str(made), json.dumps(str(made)))


@pytest.fixture
def e2e(replay, isla, catalog):
    connector = services.create(
        isla.ctx,
        name="Workspace",
        kind="google_workspace",
        values={
            "domain": DOMAIN,
            "admin_email": ADMIN,
            "directory_url": replay.base,
            "token_uri": replay.token_uri,
            "throttle_wait_seconds": 5,
        },
        secrets={"service_account_key": key_file()},
    )
    return connector, isla.ctx


class TestThroughTheOrchestration:
    def test_it_stores_one_identity_version_per_change(self, e2e, replay, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        summary = collected(ctx, connector)
        assert summary["kind"] == "identity" and summary["stream"] == f"identity:google:{DOMAIN}"
        assert summary["evidence"]["new"] is True and summary["evidence"]["version"] == 1
        tests = {t["id"]: t["status"] for t in summary["tests"]}
        assert tests["identity_mfa_all_users"] == "fail"
        assert tests["identity_mfa_admins"] == tests["identity_admin_count"] == "pass"
        assert collected(ctx, connector)["evidence"]["new"] is False
        replay.scenario.user("eli")["suspended"] = False
        assert collected(ctx, connector)["evidence"]["version"] == 2
        assert_nothing_secret(caplog.text)

    def test_rate_limits_past_the_wait_are_a_failed_run_saying_so(self, e2e, replay):
        connector, ctx = e2e
        replay.scenario.limits.append(RateLimit(USERS, "429", times=1, retry_after="60"))
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED and result.judged == []
        assert "HTTP 429" in result.run.message and "retry after 60 s" in result.run.message

    def test_a_key_google_refuses_is_a_failed_run(self, e2e):
        connector, ctx = e2e
        services.update(ctx, connector, secrets={"service_account_key": key_file(private_key(1))})
        connector.refresh_from_db()
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED
        assert "Invalid JWT Signature" in result.run.message
        assert_nothing_secret(result.run.message)

    def test_it_never_shows_or_stores_the_key(self, e2e, client_for, isla, settings, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        assert orchestration.collect_now(ctx, connector).run.status == RunStatus.SUCCEEDED
        assert caplog.records
        pieces = (*key_secrets(), ACCESS_TOKEN)
        secret_nowhere(
            client_for(isla),
            connector,
            settings.STORAGE_URL,
            caplog.text,
            "service_account_key",
            pieces,
        )

    def test_the_connectors_page_offers_its_form(self, isla, client_for):
        client = client_for(isla)
        assert "?kind=google_workspace" in client.get("/o/acme/connectors/new/").content.decode()
        form = client.get("/o/acme/connectors/new/?kind=google_workspace").content.decode()
        for name in ("cfg_domain", "cfg_admin_email", "cfg_directory_url", "cfg_token_uri"):
            assert f'name="{name}"' in form
        # The JSON key file is pasted into a text area that, like a password box, never shows it.
        assert '<textarea name="secret_service_account_key"' in form
        assert "admin.directory.rolemanagement.readonly" in form
        response = client.post(
            "/o/acme/connectors/new/?kind=google_workspace",
            {
                "name": "Workspace",
                "enabled": "on",
                "interval_minutes": 1440,
                "valid_days": 7,
                "cfg_domain": DOMAIN,
                "cfg_admin_email": ADMIN,
                "cfg_directory_url": "https://admin.googleapis.com",
                "cfg_token_uri": "https://oauth2.googleapis.com/token",
                "cfg_timeout_seconds": 30,
                "cfg_throttle_wait_seconds": 120,
                "secret_service_account_key": key_file(type="authorized_user"),
            },
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "not a service account key" in text
        assert_nothing_secret(text)


AS_OF = dt.date(2026, 12, 7)
# What the identity control tests make of the replayed account on AS_OF.
EXPECTED = {
    "identity_mfa_all_users": "fail",  # dana and fay are not enrolled
    "identity_mfa_admins": "pass",  # ada, bo, cyrus and hana are
    "identity_admin_count": "pass",  # four, within 1-5
    "identity_inactive_accounts": "fail",  # hana last signed in on 2026-07-10
    "identity_leavers_disabled": "pass",  # gus left and is archived
}


class TestJudgedByTheIdentityControlTests:
    def test_the_replayed_account_passes_and_fails_as_it_should(self, replay, tmp_path, acme):
        left(acme, "Gus Moreau", "gus@kestrel.example", "2026-04-30")
        _sink, found = collect(replay, tmp_path)
        assert judge(found, acme, AS_OF) == EXPECTED

    def test_a_well_run_account_passes_every_test(self, allow_loopback, tmp_path, acme):
        scenario = Scenario()
        for login in ("dana", "fay"):
            scenario.user(login).update(isEnrolledIn2Sv=True, isEnforcedIn2Sv=True)
        scenario.user("hana")["lastLoginTime"] = "2026-12-02T08:00:00.000Z"
        left(acme, "Gus Moreau", "gus@kestrel.example", "2026-04-30")
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
        assert set(judge(found, acme, AS_OF).values()) == {"pass"}
        assert found.data["mfa_policy"]["enforced_for_all"] is True

    def test_a_badly_run_account_fails_every_test(self, allow_loopback, tmp_path, acme):
        scenario = Scenario()
        scenario.user("hana")["isEnrolledIn2Sv"] = False
        for login in ("dana", "fay"):
            scenario.user(login)["isAdmin"] = True  # five super admins with ada, bo and cyrus …
        scenario.user("eli").update(suspended=False)  # … and eli, who left, enabled again
        left(acme, "Eli Brandt", "eli@kestrel.example", "2026-06-30")
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
        assert set(judge(found, acme, AS_OF).values()) == {"fail"}

    def test_what_the_delegation_may_not_read_is_an_error_not_a_pass(
        self, allow_loopback, tmp_path, acme
    ):
        with serving(Scenario(forbidden={ASSIGNMENTS})) as server:
            _sink, found = collect(server, tmp_path)
        results = judge(found, acme, AS_OF)
        assert results["identity_mfa_admins"] == results["identity_admin_count"] == "error"
