"""The Okta connector against a local replay of the Okta management API.

The replay (``okta_support``) serves fixture bodies shaped like Okta's documented responses,
with cursor pagination, rate-limit headers, 429, 401 and 403 answers; every request is
recorded, so these tests check what the connector asked as well as what it stored.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from annexa.connectors import services
from annexa.connectors.base import CollectError, Environment
from annexa.connectors.builtins.okta import OktaConfig, OktaConnector
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.identity import register, schema
from annexa.connectors.okta.client import OktaClient
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests.okta_support import (
    DOMAIN,
    TOKEN,
    Limit,
    OktaReplay,
    Scenario,
    generated,
    named_people,
)
from annexa.monitoring.services import orchestration
from annexa.people.choices import PersonSource
from annexa.people.models import Person

USERS = "/api/v1/users"


class Sink:
    """Keeps what ``collect()`` stores (the real sink is exercised end to end below)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.messages: list[str] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        assert kind == "identity"
        self.files[filename or path.name] = path.read_bytes()

    def progress(self, message: str) -> None:
        self.messages.append(message)


@pytest.fixture
def replay(server_allowed):
    server = OktaReplay().start()
    yield server
    server.stop()


def serve(scenario: Scenario):
    return OktaReplay(scenario).start()


def config(url: str, **values) -> OktaConfig:
    token = values.pop("token", TOKEN)
    plain = {"org_url": url, "rate_limit_wait_seconds": 10, **values}
    made = build(OktaConfig, plain, {"token": token})
    assert isinstance(made, OktaConfig)
    return made


def collect(url: str, tmp_path: Path, **values) -> tuple[Sink, snapshot.Snapshot]:
    sink = Sink()
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    OktaConnector(config(url, **values)).collect(Environment(tmp_path, scratch), sink)
    (raw,) = sink.files.values()
    return sink, snapshot.load(io.BytesIO(raw), "identity")


def users_of(found: snapshot.Snapshot) -> dict[str, dict]:
    return {u["username"]: u for u in found.data["users"]}


class TestCollection:
    def test_it_stores_a_valid_identity_snapshot_of_the_org(self, replay, tmp_path):
        sink, found = collect(replay.url, tmp_path)
        tenant = replay.url.split("//")[1]
        assert found.target == f"okta:{tenant}"
        assert schema.check_identity_data(found.data) == []
        data = found.data
        assert data["provider"] == "okta" and data["tenant"] == tenant
        assert data["unreadable"] == {}
        users = users_of(found)
        assert len(users) == 8 + 420  # the deprovisioned user included
        ada = users[f"ada.lovelace@{DOMAIN}"]
        assert ada["admin_roles"] == ["Super Administrator"] and ada["enabled"]
        # E-mail is not a second factor; a factor pending activation is not enrolled.
        assert ada["mfa_methods"] == ["push", "token:software:totp"] and ada["mfa_enrolled"]
        assert ada["groups"] == ["Engineering", "Everyone"] and ada["employee_id"] == "E001"
        assert ada["name"] == "Ada Lovelace" and ada["email"] == f"ada.lovelace@{DOMAIN}"
        assert ada["last_sign_in"].endswith("T08:15:27Z") and ada["created"] == (
            "2024-03-04T09:12:44Z"
        )
        cyrus = users[f"cyrus.vale@{DOMAIN}"]
        assert cyrus["mfa_enrolled"] is False and cyrus["mfa_methods"] == []
        assert cyrus["admin_roles"] == ["Help Desk Administrator"]
        assert users[f"bo.nakamura@{DOMAIN}"]["manager"] == f"ada.lovelace@{DOMAIN}"
        eli, fay = users[f"eli.brandt@{DOMAIN}"], users[f"fay.lindqvist@{DOMAIN}"]
        assert (eli["state"], eli["enabled"]) == ("suspended", False)
        assert (fay["state"], fay["enabled"], fay["mfa_enrolled"]) == ("deprovisioned", False, None)
        hana = users[f"hana.ito@{DOMAIN}"]
        assert (hana["state"], hana["enabled"], hana["last_sign_in"]) == ("staged", False, None)
        assert users["gus@nordwind.example"]["external"] is True
        assert not users["staff0001@kestrel.example"]["external"]
        assert {g["name"]: g["member_count"] for g in data["groups"]} == {
            "Engineering": 2,
            "Everyone": 427,
            "Help Desk": 1,
            "Partners": 1,
        }
        assert data["admin_roles"] == [
            {
                "id": "HELP_DESK_ADMIN",
                "name": "Help Desk Administrator",
                "members": [f"cyrus.vale@{DOMAIN}"],
            },
            {
                "id": "READ_ONLY_ADMIN",
                "name": "Read-only Administrator",
                "members": [f"bo.nakamura@{DOMAIN}"],
            },
            {
                "id": "SUPER_ADMIN",
                "name": "Super Administrator",
                "members": [f"ada.lovelace@{DOMAIN}"],
            },
        ]
        policy = data["mfa_policy"]
        # Engineering must enrol Okta Verify; the default policy asks only e-mail and password.
        assert policy["enforced_for_all"] is False and policy["enforced_for_admins"] is False
        assert "Engineering enrolment (priority 1): okta_verify required" in policy["detail"]
        assert "Old classic policy" not in policy["detail"]  # inactive
        raw = next(iter(sink.files.values())).decode()
        assert TOKEN not in raw and "recovery_question" not in raw
        assert any("factors" in m for m in sink.messages)

    def test_it_pages_through_every_list_with_the_token(self, replay, tmp_path):
        collect(replay.url, tmp_path)
        for request in replay.requests:
            assert request.headers["authorization"] == f"SSWS {TOKEN}"
            assert request.headers["accept"] == "application/json"
        pages = [r.query for r in replay.requests if r.path == USERS and "filter" not in r.query]
        # 427 users not deprovisioned, 200 a page: three pages, each after the previous last.
        assert [q.get("after") for q in pages] == [None, "00u2staff00192", "00u2staff00392"]
        assert all(q["limit"] == "200" for q in pages)
        assert replay.count(USERS, filter='status eq "DEPROVISIONED"') == 1
        factor_reads = [r.path for r in replay.requests if r.path.endswith("/factors")]
        assert len(factor_reads) == 427 == len(set(factor_reads))  # not the deprovisioned one
        assert replay.count("/api/v1/iam/assignees/users") == 1
        role_reads = sorted(r.path for r in replay.requests if r.path.endswith("/roles"))
        assert role_reads == [f"/api/v1/users/00u1{n}/roles" for n in ("ada", "bo", "cyrus")]
        assert replay.count("/api/v1/policies", type="MFA_ENROLL") == 1

    def test_it_follows_the_assignee_lists_own_next_link(self, server_allowed, tmp_path):
        people = named_people() + generated(10)
        for person in people[8:]:
            person.roles = ("READ_ONLY_ADMIN",)
        scenario = Scenario(people=people)
        server = serve(scenario)
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        assignees = [r for r in server.requests if r.path == "/api/v1/iam/assignees/users"]
        assert len(assignees) == 1  # 13 admins fit in one page of 100
        readonly = next(r for r in found.data["admin_roles"] if r["id"] == "READ_ONLY_ADMIN")
        assert len(readonly["members"]) == 11

    def test_it_waits_for_the_rate_limit_reset_then_carries_on(self, server_allowed, tmp_path):
        scenario = Scenario(limits=[Limit(USERS, {"after": "00u2staff00192"}, reset_in=1)])
        server = serve(scenario)
        waits: list[float] = []
        try:
            client = OktaClient(server.url, TOKEN, max_wait=10, sleep=waits.append)
            with client:
                users = client.items(USERS)
        finally:
            server.stop()
        assert len(users) == 427 and len(waits) == 1 and 0.5 <= waits[0] <= 2.5
        pages = [r.query.get("after") for r in server.requests if r.path == USERS]
        assert pages == [None, "00u2staff00192", "00u2staff00192", "00u2staff00392"]

    def test_a_throttled_collection_succeeds_after_the_wait(self, server_allowed, tmp_path):
        server = serve(Scenario(limits=[Limit("/api/v1/groups", reset_in=1)]))
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        assert server.count("/api/v1/groups") == 2
        assert len(found.data["groups"]) == 4

    def test_it_gives_up_naming_the_reset_time_beyond_the_maximum_wait(
        self, server_allowed, tmp_path
    ):
        server = serve(Scenario(limits=[Limit(USERS, reset_in=7200)]))
        try:
            with pytest.raises(CollectError, match=r"rate limit .* is used up until \d{4}-\d\d"):
                collect(server.url, tmp_path, rate_limit_wait_seconds=5)
        finally:
            server.stop()
        assert server.count(USERS) == 1  # no retry once the wait is known to be too long

    def test_it_refuses_a_wrong_token_without_repeating_it(self, replay, tmp_path):
        with pytest.raises(CollectError) as caught:
            collect(replay.url, tmp_path, token="00wrong-token-for-test")
        message = str(caught.value)
        assert "the API token is wrong or expired" in message and "HTTP 401" in message
        assert "E0000011" in message and "wrong-token" not in message and TOKEN not in message
        assert replay.paths() == [USERS]

    def test_it_records_what_the_token_may_not_read(self, server_allowed, tmp_path):
        scenario = Scenario(
            forbidden={
                "/api/v1/iam/assignees/users",
                "/api/v1/policies",
                "/api/v1/users/*/factors",
            }
        )
        server = serve(scenario)
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        assert schema.check_identity_data(found.data) == []
        unreadable = found.data["unreadable"]
        assert set(unreadable) == {"admin_roles", "factors", "mfa_policy"}
        assert "HTTP 403" in unreadable["factors"] and "E0000006" in unreadable["factors"]
        assert {u["mfa_enrolled"] for u in found.data["users"]} == {None}
        assert found.data["admin_roles"] == []
        assert found.data["mfa_policy"]["enforced_for_all"] is None
        assert "unreadable" in found.data["mfa_policy"]["detail"]
        # One refused factor read is enough to know: not one request per user.
        assert sum(1 for p in server.paths() if p.endswith("/factors")) == 1

    def test_it_fails_when_the_users_themselves_are_refused(self, server_allowed, tmp_path):
        server = serve(Scenario(forbidden={USERS}))
        try:
            with pytest.raises(CollectError, match="Read-only Administrator"):
                collect(server.url, tmp_path)
        finally:
            server.stop()

    def test_it_reads_classic_factor_policies(self, server_allowed, tmp_path):
        policies = [
            {
                "id": "00p1classic",
                "status": "ACTIVE",
                "name": "Everyone enrols a one-time code",
                "priority": 1,
                "conditions": {"people": {"groups": {"include": ["00g1kestreleveryone"]}}},
                "settings": {
                    "type": "FACTORS",
                    "factors": {"okta_otp": {"enroll": {"self": "REQUIRED"}}},
                },
                "type": "MFA_ENROLL",
            }
        ]
        server = serve(Scenario(policies=policies))
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        policy = found.data["mfa_policy"]
        assert policy["enforced_for_all"] is True and policy["enforced_for_admins"] is True

    def test_it_checks_the_configuration(self, settings):
        settings.OUTBOUND_ALLOW = ()
        bad = {
            "http://kestrel.okta.com": "https://",
            "https://kestrel.okta.com/api/v1": "no path",
            "https://okta.com": "not Okta's own domain",
            "https://kestrel-admin.okta.com": "admin console",
            "https://user:pw@kestrel.okta.com": "user name or password",
            "https://kestrel okta": "not a host name",
            "http://127.0.0.1:9": "loopback",
        }
        for url, message in bad.items():
            with pytest.raises(ConfigInvalid) as caught:
                build(OktaConfig, {"org_url": url}, {"token": TOKEN})
            assert set(caught.value.errors) == {"org_url"}, url
            assert message in caught.value.errors["org_url"], (url, caught.value.errors)
        with pytest.raises(ConfigInvalid) as caught:
            build(OktaConfig, {"org_url": "https://kestrel.okta.com"}, {})
        assert "token" in caught.value.errors
        good = build(OktaConfig, {"org_url": "https://Kestrel.okta.com/"}, {"token": TOKEN})
        assert good.tenant == "kestrel.okta.com" and good.feed_people is False
        assert good.rate_limit_wait_seconds == 120
        assert good.external_types == ["guest", "external", "partner"]
        assert TOKEN not in repr(good) and TOKEN not in str(good)


@pytest.fixture
def e2e(replay, isla, catalog):
    connector = services.create(
        isla.ctx,
        name="Okta",
        kind="okta",
        values={"org_url": replay.url, "rate_limit_wait_seconds": 10},
        secrets={"token": TOKEN},
    )
    return connector, isla.ctx


EXPECTED = {
    "identity_mfa_all_users": "fail",  # cyrus.vale has only e-mail
    "identity_mfa_admins": "fail",  # and holds the help desk role
    "identity_inactive_accounts": "fail",  # dana.ortiz: 200 days
    "identity_admin_count": "pass",  # three administrators
    "identity_leavers_disabled": "fail",  # bo left and is still active (eli left, suspended)
}


class TestThroughTheOrchestration:
    def test_it_judges_the_org_against_the_people_register(self, e2e):
        connector, ctx = e2e
        today = timezone.localdate()
        for email in (f"eli.brandt@{DOMAIN}", f"bo.nakamura@{DOMAIN}"):
            Person.objects.create(
                organization=ctx.org,
                name=email.split("@")[0],
                email=email,
                end_date=today - dt.timedelta(days=2),
                source=PersonSource.MANUAL,
            )
        with register.judging_for(ctx.org):
            result = orchestration.collect_now(ctx, connector)
        (judged,) = result.judged
        tests = {t["id"]: t for t in judged.as_dict()["tests"]}
        assert {test_id: t["status"] for test_id, t in tests.items()} == EXPECTED
        assert "cyrus.vale@kestrel.example (Cyrus Vale)" in tests["identity_mfa_admins"]["reason"]
        leavers = tests["identity_leavers_disabled"]["reason"]
        assert "bo.nakamura" in leavers and "eli.brandt" not in leavers  # suspended: disabled

    def test_an_unchanged_org_gives_no_new_evidence_version(self, e2e, replay, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        first = orchestration.collect_now(ctx, connector)
        assert first.run.status == RunStatus.SUCCEEDED, first.run.message
        (judged,) = first.judged
        summary = judged.as_dict()
        assert summary["kind"] == "identity" and summary["evidence"]["version"] == 1
        again = orchestration.collect_now(ctx, connector).judged[0].as_dict()
        assert again["evidence"]["new"] is False and again["test_run"]["new"] is False
        assert again["evidence"]["sha256"] == summary["evidence"]["sha256"]
        # Someone leaves: the next reading differs.
        replay.scenario.by_login(f"dana.ortiz@{DOMAIN}").status = "DEPROVISIONED"
        third = orchestration.collect_now(ctx, connector).judged[0].as_dict()
        assert third["evidence"]["new"] is True and third["evidence"]["version"] == 2
        assert TOKEN not in caplog.text

    def test_a_wrong_token_is_a_failed_run_saying_so(self, e2e):
        connector, ctx = e2e
        services.update(ctx, connector, secrets={"token": "00revoked-okta-token"})
        connector.refresh_from_db()
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED and result.judged == []
        assert "the API token is wrong or expired" in result.run.message
        assert "revoked-okta-token" not in result.run.message

    def test_a_rate_limit_past_the_maximum_wait_is_a_failed_run(self, e2e, replay):
        connector, ctx = e2e
        replay.scenario.limits.append(Limit(USERS, reset_in=7200))
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED
        assert "rate limit" in result.run.message and "run it again after" in result.run.message

    def test_it_never_shows_or_stores_the_token(self, e2e, client_for, isla, settings, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        assert orchestration.collect_now(ctx, connector).run.status == RunStatus.SUCCEEDED
        client = client_for(isla)
        pages = [
            client.get("/api/v1/orgs/acme/connectors/"),
            client.get(f"/api/v1/orgs/acme/connectors/{connector.pk}/"),
            client.get(f"/o/acme/connectors/{connector.pk}/"),
        ]
        for page in pages:
            assert page.status_code == 200 and TOKEN not in page.content.decode()
        dump = io.StringIO()
        call_command("dumpdata", stdout=dump)
        assert '"token"' in dump.getvalue() and TOKEN not in dump.getvalue()
        stored = [p for p in Path(settings.STORAGE_URL[7:]).rglob("*") if p.is_file()]
        assert stored
        for path in stored:
            assert TOKEN.encode() not in path.read_bytes()
        assert caplog.records and TOKEN not in caplog.text
