"""The Microsoft Entra ID connector against a local replay of the token endpoint and Graph.

The replay (``entra_support``) serves fixture bodies shaped like Graph v1.0's documented
responses, pages them three at a time, throttles and refuses on demand, and records every
request, so these tests check what the connector asked as well as what it stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import netguard, services
from annexa.connectors.base import CollectError
from annexa.connectors.builtins.entra import EntraConfig, EntraConnector
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.identity.schema import check_identity_data
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests.entra_support import (
    ACCESS_TOKEN,
    CLIENT_ID,
    GRAPH,
    SECRET,
    TENANT,
    TENANT_ID,
    EntraReplay,
    Scenario,
    Sink,
    Throttle,
    collected,
    judge,
    left,
    run,
    secret_nowhere,
    users_of,
)
from annexa.monitoring import loader
from annexa.monitoring.services import orchestration

USERS = f"{GRAPH}/users"
REGISTRATION = f"{GRAPH}/reports/authenticationMethods/userRegistrationDetails"
ADA = "ada.kestrel@kestrel.example"
GUEST = "lena_qa-partner.example#EXT#@kestrel.onmicrosoft.com"


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


def serving(scenario: Scenario | None = None) -> EntraReplay:
    """The replay, started by ``with`` and stopped after it."""
    return EntraReplay(scenario)


@pytest.fixture
def replay(allow_loopback):
    with serving() as server:
        yield server


def config(server: EntraReplay, **values) -> EntraConfig:
    secret = values.pop("client_secret", SECRET)
    plain = {
        "tenant": TENANT,
        "client_id": CLIENT_ID,
        "graph_url": server.graph_url,
        "authority_url": server.authority_url,
        "throttle_wait_seconds": 10,
        **values,
    }
    made = build(EntraConfig, plain, {"client_secret": secret})
    assert isinstance(made, EntraConfig)
    return made


def collect(server, tmp_path: Path, **values) -> tuple[Sink, snapshot.Snapshot]:
    return run(EntraConnector(config(server, **values)), tmp_path)


class TestCollection:
    def test_it_records_the_tenant_as_identity_facts(self, replay, tmp_path):
        sink, found = collect(replay, tmp_path)
        assert found.target == f"entra:{TENANT}" and list(sink.files) == [
            f"identity-entra-{TENANT}.json"
        ]
        data = found.data
        assert check_identity_data(data) == []
        assert data["provider"] == "entra" and data["tenant"] == TENANT
        assert data["unreadable"] == {}
        users = users_of(found)
        assert list(users) == sorted(users) and len(users) == 8
        assert users[ADA] == {
            "id": "5c3a9e10-7b2d-4f61-9a8e-000000000001",
            "username": ADA,
            "email": ADA,
            "name": "Ada Kestrel",
            "state": "active",
            "enabled": True,
            "mfa_enrolled": True,
            "mfa_methods": ["fido2", "microsoftAuthenticatorPush", "softwareOneTimePasscode"],
            # The later of the interactive and non-interactive sign-ins, to the second.
            "last_sign_in": "2026-12-06T22:10:02Z",
            "created": "2021-03-04T09:12:44Z",
            "admin_roles": ["Global Administrator"],
            "groups": ["All Staff", "Engineering"],
            "department": "IT",
            "title": "Head of IT",
            "employee_id": "E1001",
            "manager": "",
            "external": False,
        }
        # A role held through a role-assignable group; a manager through $expand=manager.
        bo = users["bo.nakamura@kestrel.example"]
        assert bo["admin_roles"] == ["Privileged Role Administrator"]
        assert bo["groups"] == ["All Staff", "Tier0 Admins"] and bo["manager"] == ADA
        eli = users["eli.brandt@kestrel.example"]
        assert (eli["state"], eli["enabled"]) == ("disabled", False)
        fay = users["fay.lindqvist@kestrel.example"]
        assert fay["last_sign_in"] is None and fay["mfa_enrolled"] is False
        assert fay["mfa_methods"] == [] and fay["manager"] == "cyrus.vale@kestrel.example"
        guest = users[GUEST]
        assert guest["external"] is True and guest["email"] == "lena@qa-partner.example"
        assert guest["department"] == "" and guest["groups"] == ["QA Partners"]
        group = "0b7d4e22-91c3-4a55-8c0f-00000000000"
        assert [(g["id"], g["name"], g["member_count"]) for g in data["groups"]] == [
            (f"{group}1", "All Staff", 7),
            (f"{group}2", "Engineering", 3),
            (f"{group}3", "Finance", 2),
            (f"{group}5", "QA Partners", 1),
            (f"{group}4", "Tier0 Admins", 1),
        ]
        roles = {r["name"]: r["members"] for r in data["admin_roles"]}
        # The service principal holding Global Administrator is not a person's account.
        assert roles == {
            "Directory Readers": [],
            "Global Administrator": [ADA],
            "Privileged Role Administrator": ["bo.nakamura@kestrel.example"],
            "User Administrator": ["gus.moreau@kestrel.example"],
        }
        policy = data["mfa_policy"]
        # The all-users policy is report-only; the administrators' one covers every held role.
        assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (False, True)
        assert "Require MFA for administrators" in policy["detail"]
        assert "security defaults are disabled" in policy["detail"]
        raw = next(iter(sink.files.values())).decode()
        assert SECRET not in raw and ACCESS_TOKEN not in raw
        assert "lastUpdatedDateTime" not in raw and "2026-12-06T03:12:40" not in raw
        assert sink.messages[0] == "reading users"

    def test_an_unchanged_tenant_reads_to_the_same_bytes(self, replay, tmp_path):
        first, _ = collect(replay, tmp_path)
        second, _ = collect(replay, tmp_path)
        assert first.files == second.files

    def test_it_pages_through_every_collection_with_one_token(self, replay, tmp_path):
        collect(replay, tmp_path)
        token_requests = [r for r in replay.requests if r.method == "POST"]
        assert [r.path for r in token_requests] == [f"/login/{TENANT}/oauth2/v2.0/token"]
        assert replay.forms[0]["scope"] == f"{replay.base}/.default"
        for request in replay.requests:
            if request.method == "GET":
                assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        # Eight users, three a page: three pages for the users and three for the managers.
        user_pages = [r.query for r in replay.requests if r.path == USERS]
        assert [q.get("$skiptoken") for q in user_pages] == [None, "3", "6", None, "3", "6"]
        assert [q["$top"] for q in user_pages] == ["999"] * 3 + ["100"] * 3
        assert "signInActivity" in user_pages[0]["$select"]
        assert "$expand" not in user_pages[0]
        assert user_pages[3]["$expand"] == "manager($select=id,userPrincipalName,mail)"
        assert replay.count(REGISTRATION) == 3
        assert replay.count(f"{GRAPH}/groups") == 2
        assert replay.count(f"{GRAPH}/groups/0b7d4e22-91c3-4a55-8c0f-000000000001/members") == 3
        assert replay.count(f"{GRAPH}/directoryRoles") == 2

    def test_a_large_tenant_is_read_in_graphs_own_page_sizes(self, allow_loopback, tmp_path):
        scenario = Scenario(page_size=999)
        template = scenario.user("cyrus.vale")
        for number in range(2100):
            login = f"staff{number:04d}"
            scenario.users.append(
                {
                    **template,
                    "id": f"9e000000-0000-4000-8000-{number:012d}",
                    "userPrincipalName": f"{login}@kestrel.example",
                    "mail": f"{login}@kestrel.example",
                }
            )
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
        assert len(found.data["users"]) == 2108 and check_identity_data(found.data) == []
        pages = [r.query for r in server.requests if r.path == USERS]
        listed = [q for q in pages if "$expand" not in q]
        expanded = [q for q in pages if "$expand" in q]
        assert len(listed) == 3 and len(expanded) == 22  # 999 a page; 100 when expanding
        assert users_of(found)["staff2099@kestrel.example"]["mfa_enrolled"] is None

    def test_it_reads_a_tenant_given_by_its_id(self, replay, tmp_path):
        _sink, found = collect(replay, tmp_path, tenant=TENANT_ID.upper())
        assert found.target == f"entra:{TENANT_ID}" and found.data["tenant"] == TENANT_ID
        assert replay.requests[0].path == f"/login/{TENANT_ID}/oauth2/v2.0/token"

    def test_it_waits_out_throttling_within_the_allowed_time(self, allow_loopback, tmp_path):
        with serving(
            Scenario(
                throttles=[
                    Throttle(USERS, 429, "1"),
                    Throttle(REGISTRATION, 503, None),  # no Retry-After: a pause of 1 s
                ]
            )
        ) as server:
            _sink, found = collect(server, tmp_path)
        assert len(found.data["users"]) == 8 and found.data["unreadable"] == {}
        # Each throttled first page was asked again, once.
        assert server.count(USERS) == 7 and server.count(REGISTRATION) == 4

    def test_it_gives_up_when_the_wait_would_exceed_the_maximum(self, allow_loopback, tmp_path):
        with (
            serving(Scenario(throttles=[Throttle(USERS, 429, "30")])) as server,
            pytest.raises(CollectError) as caught,
        ):
            collect(server, tmp_path, throttle_wait_seconds=5)
        message = str(caught.value)
        assert "throttling" in message and "HTTP 429" in message and "retry after 30 s" in message
        assert "5 s it may wait" in message
        assert server.count(USERS) == 1  # no pointless retry

    def test_it_gives_up_after_repeated_throttling(self, allow_loopback, tmp_path):
        with (
            serving(Scenario(throttles=[Throttle(USERS, 429, "0", times=10)])) as server,
            pytest.raises(CollectError, match="still throttled after 6 attempts"),
        ):
            collect(server, tmp_path)

    def test_it_refuses_a_wrong_client_secret_without_repeating_it(self, replay, tmp_path):
        with pytest.raises(CollectError) as caught:
            collect(replay, tmp_path, client_secret="wrong-secret-value-for-test")
        message = str(caught.value)
        assert "refused the app's credentials (invalid_client: AADSTS7000215" in message
        assert "wrong-secret" not in message and SECRET not in message
        assert "Trace ID" not in message
        assert [r.method for r in replay.requests] == ["POST"]

    def test_it_names_an_unknown_tenant(self, replay, tmp_path):
        with pytest.raises(CollectError, match=r"invalid_request: AADSTS90002: Tenant"):
            collect(replay, tmp_path, tenant="nowhere.example")

    def test_a_token_graph_refuses_is_a_credentials_error(self, replay, tmp_path):
        replay.answer_token = replay._token

        def other_token(rest, form):
            status, body, headers = replay.answer_token(rest, form)
            return status, {**body, "access_token": "eyJ.some-other-audience"}, headers

        replay._token = other_token
        with pytest.raises(CollectError) as caught:
            collect(replay, tmp_path)
        message = str(caught.value)
        assert "HTTP 401 InvalidAuthenticationToken" in message
        assert "credentials are wrong" in message and "some-other-audience" not in message

    def test_it_records_what_the_app_may_not_read(self, allow_loopback, tmp_path):
        forbidden = {
            "/reports/authenticationMethods/userRegistrationDetails",
            "/directoryRoles",
            "/policies/identitySecurityDefaultsEnforcementPolicy",
            "/identity/conditionalAccess/policies",
        }
        with serving(Scenario(forbidden=forbidden)) as server:
            _sink, found = collect(server, tmp_path)
        data = found.data
        assert check_identity_data(data) == []
        # Named as the identity control tests look them up.
        assert set(data["unreadable"]) == {"factors", "admin_roles", "mfa_policy"}
        assert "HTTP 403 Authorization_RequestDenied" in data["unreadable"]["admin_roles"]
        assert data["unreadable"]["mfa_policy"].count("Authorization_RequestDenied") == 2
        assert {u["mfa_enrolled"] for u in data["users"]} == {None}
        assert {tuple(u["admin_roles"]) for u in data["users"]} == {()}
        assert data["admin_roles"] == []
        assert data["mfa_policy"]["enforced_for_all"] is None
        assert data["mfa_policy"]["enforced_for_admins"] is None

    def test_without_a_premium_licence_sign_ins_are_unknown(self, allow_loopback, tmp_path):
        with serving(Scenario(premium=False)) as server:
            _sink, found = collect(server, tmp_path)
        assert check_identity_data(found.data) == []
        assert {u["last_sign_in"] for u in found.data["users"]} == {None}
        reason = found.data["unreadable"]["last_sign_in"]
        assert "Authentication_RequestFromNonPremiumTenantOrB2CTenant" in reason
        assert "AuditLog.Read.All" in reason
        selects = [r.query["$select"] for r in server.requests if r.path == USERS][:2]
        assert "signInActivity" in selects[0] and "signInActivity" not in selects[1]

    def test_users_it_may_not_read_fail_the_collection(self, allow_loopback, tmp_path):
        with (
            serving(Scenario(forbidden={"/users"})) as server,
            pytest.raises(CollectError, match=r"may not read the tenant's users.*User.Read"),
        ):
            collect(server, tmp_path)

    def test_the_mfa_policy_follows_security_defaults_and_conditional_access(
        self, allow_loopback, tmp_path
    ):
        scenario = Scenario()
        with serving(scenario) as server:
            everyone = scenario.policy("Require MFA for all users")
            everyone["state"] = "enabled"
            _sink, found = collect(server, tmp_path)
            policy = found.data["mfa_policy"]
            assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (True, True)
            assert "Require MFA for all users excludes 1 users" in policy["detail"]

            everyone["state"] = "disabled"
            admins = scenario.policy("Require MFA for administrators")
            admins["conditions"]["users"]["includeRoles"].remove(
                "fe930be7-5e62-47db-91af-98c3a49a38b1"  # User Administrator, held by gus
            )
            _sink, found = collect(server, tmp_path)
            policy = found.data["mfa_policy"]
            assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (False, False)

            scenario.security_defaults["isEnabled"] = True
            _sink, found = collect(server, tmp_path)
            policy = found.data["mfa_policy"]
            assert (policy["enforced_for_all"], policy["enforced_for_admins"]) == (True, True)
            assert "security defaults are enabled" in policy["detail"]
            assert server.count(f"{GRAPH}/identity/conditionalAccess/policies") == 2

    def test_it_refuses_a_next_page_on_another_server(self, replay, tmp_path):
        page = replay._page

        def elsewhere(path, query, rows):
            status, body, headers = page(path, query, rows)
            if "@odata.nextLink" in body:
                body["@odata.nextLink"] = "http://127.0.0.2:9/graph/v1.0/users?$skiptoken=3"
            return status, body, headers

        replay._page = elsewhere
        with pytest.raises(CollectError, match="next page lies on another server"):
            collect(replay, tmp_path)
        assert all(
            r.path != "/graph/v1.0/users" or not r.query.get("$skiptoken") for r in replay.requests
        )

    def test_it_checks_the_configuration(self, settings):
        settings.OUTBOUND_ALLOW = ()
        with pytest.raises(ConfigInvalid) as caught:
            build(
                EntraConfig,
                {
                    "tenant": "not a tenant",
                    "client_id": "my-app",
                    "graph_url": "http://127.0.0.1:9/v1.0",
                    "authority_url": "http://169.254.169.254/",
                },
                {"client_secret": SECRET},
            )
        assert set(caught.value.errors) == {"tenant", "client_id", "graph_url", "authority_url"}
        assert "GUID" in caught.value.errors["client_id"]
        assert "loopback" in caught.value.errors["graph_url"]
        with pytest.raises(ConfigInvalid) as caught:
            build(EntraConfig, {"tenant": TENANT, "client_id": CLIENT_ID}, {})
        assert caught.value.errors == {"client_secret": "this field is required"}
        good = build(
            EntraConfig, {"tenant": TENANT, "client_id": CLIENT_ID}, {"client_secret": SECRET}
        )
        assert good.graph_url == "https://graph.microsoft.com/v1.0"
        assert good.authority_url == "https://login.microsoftonline.com"
        assert SECRET not in repr(good) and SECRET not in str(good)
        assert json.dumps(good.tenant) == f'"{TENANT}"'


@pytest.fixture
def e2e(replay, isla, catalog):
    connector = services.create(
        isla.ctx,
        name="Entra",
        kind="entra",
        values={
            "tenant": TENANT,
            "client_id": CLIENT_ID,
            "graph_url": replay.graph_url,
            "authority_url": replay.authority_url,
            "throttle_wait_seconds": 5,
        },
        secrets={"client_secret": SECRET},
    )
    return connector, isla.ctx


class TestThroughTheOrchestration:
    def test_it_stores_one_identity_version_per_change(self, e2e, replay, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        summary = collected(ctx, connector)
        assert summary["kind"] == "identity" and summary["stream"] == f"identity:entra:{TENANT}"
        assert summary["evidence"]["new"] is True and summary["evidence"]["version"] == 1
        # Judged on the spot (the inactivity test depends on today's date: left out here).
        tests = {t["id"]: t["status"] for t in summary["tests"]}
        assert tests["identity_mfa_all_users"] == "fail"
        assert tests["identity_mfa_admins"] == tests["identity_admin_count"] == "pass"
        # Nothing changed: the same bytes, no new evidence version.
        again = collected(ctx, connector)["evidence"]
        assert again["new"] is False and again["sha256"] == summary["evidence"]["sha256"]

        # Eli's account is enabled again: a new version.
        replay.scenario.user("eli.brandt")["accountEnabled"] = True
        changed = collected(ctx, connector)["evidence"]
        assert changed["new"] is True and changed["version"] == 2
        assert SECRET not in caplog.text and ACCESS_TOKEN not in caplog.text

    def test_it_runs_from_the_command_line(self, e2e):
        result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "Entra"])
        assert result.exit_code == 0, result.output
        line = json.loads(result.stdout.strip().splitlines()[-1])
        assert line["connector"] == "Entra" and line["status"] == "succeeded"
        assert line["files"][0]["kind"] == "identity"
        assert SECRET not in result.output and ACCESS_TOKEN not in result.output

    def test_too_much_throttling_is_a_failed_run_saying_so(self, e2e, replay):
        connector, ctx = e2e
        replay.scenario.throttles.append(Throttle(USERS, 429, "60", times=1))
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED and result.judged == []
        assert "throttling" in result.run.message and "retry after 60 s" in result.run.message
        assert SECRET not in result.run.message

    def test_a_revoked_secret_is_a_failed_run_without_the_secret(self, e2e):
        connector, ctx = e2e
        services.update(ctx, connector, secrets={"client_secret": "revoked-secret-value"})
        connector.refresh_from_db()
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED and result.judged == []
        assert "AADSTS7000215" in result.run.message
        assert "revoked-secret" not in result.run.message

    def test_it_never_shows_or_stores_the_secret(self, e2e, client_for, isla, settings, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        assert orchestration.collect_now(ctx, connector).run.status == RunStatus.SUCCEEDED
        assert caplog.records
        pieces = (SECRET, ACCESS_TOKEN)
        secret_nowhere(
            client_for(isla), connector, settings.STORAGE_URL, caplog.text, "client_secret", pieces
        )

    def test_the_connectors_page_offers_its_form(self, isla, client_for):
        client = client_for(isla)
        assert "?kind=entra" in client.get("/o/acme/connectors/new/").content.decode()
        form = client.get("/o/acme/connectors/new/?kind=entra").content.decode()
        for name in ("cfg_tenant", "cfg_client_id", "cfg_graph_url", "cfg_authority_url"):
            assert f'name="{name}"' in form
        assert 'name="secret_client_secret"' in form and 'type="password"' in form
        assert "RoleManagement.Read.Directory" in form and "AuditLog.Read.All" in form
        response = client.post(
            "/o/acme/connectors/new/?kind=entra",
            {
                "name": "Entra",
                "enabled": "on",
                "interval_minutes": 1440,
                "valid_days": 7,
                "cfg_tenant": "not a tenant",
                "cfg_client_id": CLIENT_ID,
                "cfg_graph_url": "https://graph.microsoft.com/v1.0",
                "cfg_authority_url": "https://login.microsoftonline.com",
                "cfg_timeout_seconds": 30,
                "cfg_throttle_wait_seconds": 120,
                "secret_client_secret": SECRET,
            },
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "not a tenant id (GUID) or domain name" in text and SECRET not in text


AS_OF = dt.date(2026, 12, 7)
# What the identity control tests make of the replayed tenant on AS_OF.
EXPECTED = {
    "identity_mfa_all_users": "fail",  # dana, fay and the guest registered no method
    "identity_mfa_admins": "pass",  # ada, bo (through Tier0 Admins) and gus registered
    "identity_admin_count": "pass",  # three, within 1-5
    "identity_inactive_accounts": "fail",  # gus last signed in on 2026-04-02
    "identity_leavers_disabled": "pass",  # eli left and is disabled
}


class TestJudgedByTheIdentityControlTests:
    def test_the_replayed_tenant_passes_and_fails_as_it_should(self, replay, tmp_path, acme):
        left(acme, "Eli Brandt", "eli.brandt@kestrel.example", "2026-06-30")
        _sink, found = collect(replay, tmp_path)
        assert judge(found, acme, AS_OF) == EXPECTED
        reason = loader.all_tests()["identity_mfa_all_users"].evaluate([found], as_of=AS_OF).reason
        assert "dana.okafor@kestrel.example" in reason and "fay.lindqvist" in reason

    def test_a_well_run_tenant_passes_every_test(self, allow_loopback, tmp_path, acme):
        scenario = Scenario()
        for row in scenario.registration:
            row.update(isMfaRegistered=True, methodsRegistered=["microsoftAuthenticatorPush"])
        scenario.user("gus.moreau")["signInActivity"]["lastSignInDateTime"] = "2026-12-01T09:00:00Z"
        left(acme, "Eli Brandt", "eli.brandt@kestrel.example", "2026-06-30")
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
        assert set(judge(found, acme, AS_OF).values()) == {"pass"}

    def test_a_badly_run_tenant_fails_every_test(self, allow_loopback, tmp_path, acme):
        scenario = Scenario()
        gus = scenario.user("gus.moreau")
        next(r for r in scenario.registration if r["id"] == gus["id"]).update(
            isMfaRegistered=False, methodsRegistered=[]
        )
        global_admins = scenario.roles[0]["members"]
        global_admins += [
            scenario.user(n)["id"] for n in ("cyrus.vale", "dana.okafor", "fay.lindqvist")
        ]
        left(acme, "Dana Okafor", "dana.okafor@kestrel.example", "2026-11-30")
        with serving(scenario) as server:
            _sink, found = collect(server, tmp_path)
        assert set(judge(found, acme, AS_OF).values()) == {"fail"}

    def test_what_the_app_may_not_read_is_an_error_not_a_pass(self, allow_loopback, tmp_path, acme):
        forbidden = {"/reports/authenticationMethods/userRegistrationDetails", "/directoryRoles"}
        with serving(Scenario(forbidden=forbidden)) as server:
            _sink, found = collect(server, tmp_path)
        results = judge(found, acme, AS_OF)
        for test_id in ("identity_mfa_all_users", "identity_mfa_admins", "identity_admin_count"):
            assert results[test_id] == "error", test_id
