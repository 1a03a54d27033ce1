"""The GitHub organization connector against a local replay of the GitHub REST API.

The replay (``github_support``) serves fixture bodies shaped like the examples of GitHub's
OpenAPI description, with pagination, rate-limit headers and errors; every request is
recorded, so these tests check what the connector asked as well as what it stored.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import netguard, services
from annexa.connectors.base import CollectError, Environment
from annexa.connectors.builtins.github import GithubConfig, GithubConnector
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import snapshot
from annexa.connectors.schema import ConfigInvalid, build
from annexa.connectors.tests.github_support import ORG, TOKEN, GithubReplay, Limit, Scenario
from annexa.monitoring import loader
from annexa.monitoring import status as derivation
from annexa.monitoring.choices import ControlStatus
from annexa.monitoring.services import orchestration
from annexa.risks.models import Asset

MEMBERS = f"/orgs/{ORG}/members"
REPOS = f"/orgs/{ORG}/repos"


class Sink:
    """Keeps what ``collect()`` stores (the real sink is exercised end to end below)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.messages: list[str] = []

    def put_file(self, path: Path, *, kind: str, filename: str | None = None) -> None:
        assert kind == "github"
        self.files[filename or path.name] = path.read_bytes()

    def progress(self, message: str) -> None:
        self.messages.append(message)


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = netguard.parse_allow_list("127.0.0.1/32")


@pytest.fixture
def replay(allow_loopback):
    server = GithubReplay(
        Scenario(
            limits=[
                Limit("primary", REPOS, {"page": "2"}),
                Limit("secondary", MEMBERS, {"role": "admin"}),
            ]
        )
    ).start()
    yield server
    server.stop()


def config(url: str, **values) -> GithubConfig:
    token = values.pop("token", TOKEN)
    plain = {"organization": ORG, "api_url": url, "rate_limit_wait_seconds": 10, **values}
    made = build(GithubConfig, plain, {"token": token})
    assert isinstance(made, GithubConfig)
    return made


def collect(url: str, tmp_path: Path, **values) -> tuple[Sink, snapshot.Snapshot]:
    sink = Sink()
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    GithubConnector(config(url, **values)).collect(Environment(tmp_path, scratch), sink)
    (raw,) = sink.files.values()
    return sink, snapshot.load(io.BytesIO(raw), "github")


def judge(found: snapshot.Snapshot) -> dict[str, str]:
    return {
        test_id: cls.evaluate([found]).status
        for test_id, cls in loader.all_tests().items()
        if cls.evidence_kind == "github"
    }


EXPECTED = {
    "github_org_2fa_required": "fail",  # two_factor_requirement_enabled: false
    "github_members_without_2fa": "fail",  # eli-brandt
    "github_outside_collaborators": "pass",  # both have 2FA
    "github_admin_count": "pass",  # two owners
    "github_default_permission": "pass",  # read
    "github_public_repos": "fail",  # members may create public repositories
    "github_branch_protection": "fail",  # five default branches unprotected (404)
    "github_required_reviews": "fail",  # and service-012 without required reviews
    "github_force_push": "fail",  # and service-013 accepting force pushes
    "github_secret_scanning": "pass",
    "github_secret_scanning_alerts": "fail",  # two open in service-004
    "github_dependabot_alerts": "error",  # 403: the token may not read them
    "github_dependabot_updates": "fail",  # off on service-020 and service-021
}


class TestCollection:
    def test_it_records_the_organization_as_facts(self, replay, tmp_path):
        sink, found = collect(replay.url, tmp_path)
        assert found.target == ORG and list(sink.files) == [f"github-{ORG}.json"]
        data = found.data
        assert data["organization"]["two_factor_requirement_enabled"] is False
        assert data["organization"]["plan"] == "team"
        members = {m["login"]: m for m in data["members"]["items"]}
        assert len(members) == 6
        assert members["ada-kestrel"]["privileged"] and members["ada-kestrel"]["role"] == "owner"
        assert not members["cyrus-vale"]["privileged"] and members["cyrus-vale"]["mfa"] is True
        assert members["eli-brandt"]["mfa"] is False
        assert data["members_without_2fa"] == {"readable": True, "logins": ["eli-brandt"]}
        assert [p["login"] for p in data["outside_collaborators"]["items"]] == [
            "nordwind-contractor",
            "qa-partner-lena",
        ]
        repos = {r["name"]: r for r in data["repositories"]["items"]}
        assert len(repos) == 250 and data["repositories"]["truncated"] is False
        assert repos["service-007"]["branch_protection"] == {"readable": True, "protected": False}
        assert repos["service-012"]["branch_protection"]["required_approving_review_count"] == 0
        assert repos["service-013"]["branch_protection"]["allow_force_pushes"] is True
        assert repos["service-030"]["branch_protection"]["required_approving_review_count"] == 1
        assert (
            repos["service-248"]["archived"] and repos["service-248"]["branch_protection"] is None
        )
        assert repos["service-001"]["visibility"] == "public"
        assert repos["service-020"]["security_and_analysis"]["dependabot_security_updates"] == (
            "disabled"
        )
        assert data["dependabot_alerts"]["readable"] is False
        assert "HTTP 403" in data["dependabot_alerts"]["error"]
        assert data["secret_scanning_alerts"] == {
            "readable": True,
            "open": 2,
            "by_repository": {f"{ORG}/service-004": 2},
        }
        raw = next(iter(sink.files.values())).decode()
        assert TOKEN not in raw and "SECRET_VALUE" not in raw  # no secret scanning secret kept
        assert judge(found) == EXPECTED

    def test_it_sends_the_token_and_headers_and_pages_through_everything(self, replay, tmp_path):
        collect(replay.url, tmp_path)
        assert replay.requests
        for request in replay.requests:
            assert request.headers["authorization"] == f"Bearer {TOKEN}"
            assert request.headers["x-github-api-version"] == "2022-11-28"
            assert request.headers["accept"] == "application/vnd.github+json"
        lists = [r for r in replay.requests if not r.path.endswith("/protection")]
        assert all(r.query.get("per_page") == "100" for r in lists if r.path != f"/orgs/{ORG}")
        # 250 repositories: three pages, the second one asked twice (rate limited once).
        assert [r.query.get("page") for r in replay.requests if r.path == REPOS] == [
            None,
            "2",
            "2",
            "3",
        ]
        assert replay.count(REPOS, type="all") == 4
        protections = [r.path for r in replay.requests if r.path.endswith("/protection")]
        assert len(protections) == 247 == len(set(protections))  # archived ones skipped
        retried = {(REPOS, "2"), (MEMBERS, None)}
        seen: dict = {}
        for request in replay.requests:
            seen[request.key] = seen.get(request.key, 0) + 1
        repeated = {key for key, times in seen.items() if times > 1}
        assert {(path, dict(query).get("page")) for path, query in repeated} == retried
        assert all(times <= 2 for times in seen.values())
        assert replay.count(MEMBERS, role="admin") == 2  # secondary limit: retry-after honoured

    def test_it_gives_up_naming_the_reset_time_when_it_is_too_far(self, allow_loopback, tmp_path):
        server = GithubReplay(Scenario(limits=[Limit("primary", REPOS, reset_in=7200)])).start()
        try:
            with pytest.raises(CollectError, match=r"rate limit is used up until \d{4}-\d\d-\d\d"):
                collect(server.url, tmp_path, rate_limit_wait_seconds=5)
        finally:
            server.stop()
        assert server.count(REPOS) == 1  # no retry once the wait is known to be too long

    def test_it_refuses_a_bad_token_without_repeating_it(self, replay, tmp_path):
        with pytest.raises(CollectError) as caught:
            collect(replay.url, tmp_path, token="ghp_wrong-token-for-test")
        assert "401" in str(caught.value) and "Bad credentials" in str(caught.value)
        assert "wrong-token" not in str(caught.value) and TOKEN not in str(caught.value)
        assert replay.paths() == [f"/orgs/{ORG}"]

    def test_it_explains_an_organization_it_cannot_see(self, replay, tmp_path):
        with pytest.raises(CollectError, match=r"no organization 'someone-else'.*HTTP 404"):
            collect(replay.url, tmp_path, organization="someone-else")

    def test_it_refuses_a_redirect_to_a_private_address(self, allow_loopback, tmp_path):
        server = GithubReplay(
            Scenario(redirect="http://169.254.169.254/latest/meta-data/iam/")
        ).start()
        try:
            with pytest.raises(CollectError, match=r"refused.*metadata"):
                collect(server.url, tmp_path)
        finally:
            server.stop()

    def test_it_records_what_a_member_token_may_not_read(self, allow_loopback, tmp_path):
        scenario = Scenario(
            forbidden={f"/orgs/{ORG}/dependabot/alerts", f"/orgs/{ORG}/secret-scanning/alerts"},
            forbidden_queries={
                (MEMBERS, "filter", "2fa_disabled"),
                (f"/orgs/{ORG}/outside_collaborators", "filter", "2fa_disabled"),
            },
            protection_forbidden={3},
        )
        scenario.organization["two_factor_requirement_enabled"] = None
        del scenario.organization["default_repository_permission"]
        server = GithubReplay(scenario).start()
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        assert found.data["members_without_2fa"]["readable"] is False
        assert {m["mfa"] for m in found.data["members"]["items"]} == {None}
        protection = found.get("repositories.items")[3]["branch_protection"]
        assert protection["readable"] is False and "403" in protection["error"]
        results = judge(found)
        for test_id in (
            "github_org_2fa_required",
            "github_members_without_2fa",
            "github_outside_collaborators",
            "github_default_permission",
            "github_secret_scanning_alerts",
            "github_dependabot_alerts",
        ):
            assert results[test_id] == "error", test_id
        # Known failures stay failures; the unreadable protection does not hide them.
        assert results["github_branch_protection"] == "fail"
        reason = loader.all_tests()["github_members_without_2fa"].evaluate([found]).reason
        assert "HTTP 403" in reason

    def test_it_reads_at_most_the_configured_number_of_repositories(self, replay, tmp_path):
        _sink, found = collect(replay.url, tmp_path, max_repositories=120)
        assert len(found.get("repositories.items")) == 120
        assert found.get("repositories.truncated") is True
        assert replay.count(REPOS, page="3") == 0

    def test_it_reads_an_enterprise_server_api_path_and_counts_alerts(
        self, allow_loopback, tmp_path
    ):
        severities = ["critical", "high", "medium", "low"]
        scenario = Scenario(
            forbidden=set(),
            dependabot=[(i % 10, severities[i % 4]) for i in range(130)],
        )
        server = GithubReplay(scenario, prefix="/api/v3").start()
        try:
            _sink, found = collect(server.url, tmp_path)
        finally:
            server.stop()
        assert all(path.startswith("/api/v3/") for path in server.paths())
        alerts = found.data["dependabot_alerts"]
        assert alerts["open"] == 130
        assert alerts["by_severity"] == {"critical": 33, "high": 33, "medium": 32, "low": 32}
        assert len(alerts["serious"]) == 66
        assert server.count(f"/api/v3/orgs/{ORG}/dependabot/alerts") == 2  # two pages
        assert judge(found)["github_dependabot_alerts"] == "fail"

    def test_it_checks_the_configuration(self, settings):
        settings.OUTBOUND_ALLOW = ()
        with pytest.raises(ConfigInvalid) as caught:
            build(
                GithubConfig,
                {"organization": "-bad-", "api_url": "http://127.0.0.1:9/api/v3"},
                {"token": TOKEN},
            )
        assert set(caught.value.errors) == {"organization", "api_url"}
        assert "loopback" in caught.value.errors["api_url"]
        good = build(GithubConfig, {"organization": ORG}, {"token": TOKEN})
        assert good.api_url == "https://api.github.com" and good.max_repositories == 500
        assert TOKEN not in repr(good) and TOKEN not in str(good)


@pytest.fixture
def e2e(replay, isla, catalog):
    connector = services.create(
        isla.ctx,
        name="GitHub",
        kind="github",
        values={"organization": ORG, "api_url": replay.url, "rate_limit_wait_seconds": 10},
        secrets={"token": TOKEN},
    )
    return connector, isla.ctx


class TestThroughTheOrchestration:
    def test_it_stores_evidence_judges_it_and_follows_a_change(self, e2e, replay, caplog):
        caplog.set_level(logging.DEBUG)
        connector, ctx = e2e
        first = orchestration.collect_now(ctx, connector)
        assert first.run.status == RunStatus.SUCCEEDED, first.run.message
        (judged,) = first.judged
        summary = judged.as_dict()
        assert summary["kind"] == "github" and summary["stream"] == f"github:{ORG}"
        assert summary["evidence"]["new"] is True and summary["evidence"]["version"] == 1
        assert {t["id"]: t["status"] for t in summary["tests"]} == EXPECTED
        views = derivation.derive(ctx.org)
        assert views["A.8.2"].status == ControlStatus.PASSING  # github_admin_count
        assert views["A.8.32"].status == ControlStatus.FAILING  # branch protection
        assert views["A.8.5"].status == ControlStatus.FAILING
        # What it read is proposed for the asset inventory, for the owner to confirm.
        proposed = Asset.objects.for_org(ctx.org).filter(source="connector", confirmed=False)
        assert f"GitHub organization {ORG}" in {a.name for a in proposed}

        # The organization switches its 2FA requirement on: the next run sees it.
        replay.scenario.organization["two_factor_requirement_enabled"] = True
        second = orchestration.collect_now(ctx, connector)
        (judged,) = second.judged
        summary = judged.as_dict()
        assert summary["evidence"]["new"] is True and summary["evidence"]["version"] == 2
        tests = {t["id"]: t["status"] for t in summary["tests"]}
        assert tests["github_org_2fa_required"] == "pass"
        assert {k: v for k, v in tests.items() if k != "github_org_2fa_required"} == {
            k: v for k, v in EXPECTED.items() if k != "github_org_2fa_required"
        }

        # Nothing changed since: same bytes, no new evidence version, no new test run.
        third = orchestration.collect_now(ctx, connector)
        (judged,) = third.judged
        again = judged.as_dict()
        assert again["evidence"]["new"] is False and again["test_run"]["new"] is False
        assert again["evidence"]["sha256"] == summary["evidence"]["sha256"]
        assert TOKEN not in caplog.text

    def test_it_reports_a_bad_token_as_a_failed_run(self, e2e):
        connector, ctx = e2e
        services.update(ctx, connector, secrets={"token": "ghp_revoked-token"})
        connector.refresh_from_db()
        result = orchestration.collect_now(ctx, connector)
        assert result.run.status == RunStatus.FAILED and result.judged == []
        assert "HTTP 401" in result.run.message and "revoked-token" not in result.run.message

    def test_it_runs_from_the_command_line(self, e2e):
        result = CliRunner().invoke(app, ["collect", "--org", "acme", "--connector", "GitHub"])
        assert result.exit_code == 0, result.output
        line = json.loads(result.stdout.strip().splitlines()[-1])
        assert line["connector"] == "GitHub" and line["status"] == "succeeded"
        assert line["files"][0]["kind"] == "github"
        assert TOKEN not in result.output

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
        assert stored  # the snapshot is in the locker …
        for path in stored:  # … without the token
            assert TOKEN.encode() not in path.read_bytes()
        assert caplog.records and TOKEN not in caplog.text
