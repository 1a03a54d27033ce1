"""GitHub organization: 2FA, owners and members, branch protection, security features, alerts."""

from __future__ import annotations

import re

from annexa.connectors import netguard
from annexa.connectors.base import BaseConnector, Environment, EvidenceSink, put_snapshot
from annexa.connectors.github.client import GithubClient
from annexa.connectors.github.reader import read_organization
from annexa.connectors.registry import register
from annexa.connectors.schema import ConnectorConfig, Secret, connector_config, secret, setting

# GitHub logins: letters, digits and single hyphens, at most 39 characters.
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


@connector_config
class GithubConfig(ConnectorConfig):
    organization: str = setting("the organization's login, as in https://github.com/LOGIN")
    token: Secret = secret(
        "a personal access token (fine-grained: organization administration, members and "
        "repository administration read, Dependabot alerts and secret scanning alerts read; "
        "classic: read:org, repo, security_events) of an organization owner"
    )
    api_url: str = setting(
        "REST API address: https://api.github.com, or https://HOST/api/v3 for GitHub "
        "Enterprise Server",
        default="https://api.github.com",
    )
    max_repositories: int = setting(
        "read at most this many repositories (each costs one request for branch protection)",
        default=500,
        minimum=1,
        maximum=10000,
    )
    timeout_seconds: int = setting(
        "give up on one request after this many seconds", default=30, minimum=1, maximum=300
    )
    rate_limit_wait_seconds: int = setting(
        "wait at most this long for GitHub's rate limit to reset before giving up",
        default=60,
        minimum=0,
        maximum=3600,
    )

    def check(self) -> dict[str, str]:
        problems = {}
        if not LOGIN.match(self.organization):
            problems["organization"] = "not a GitHub login (letters, digits and hyphens)"
        if problem := netguard.literal_problem(self.api_url):
            problems["api_url"] = problem
        return problems


@register
class GithubConnector(BaseConnector):
    name = "github"
    label = "GitHub organization"
    description = (
        "Reads a GitHub organization through the REST API: 2FA requirement, owners, members "
        "and outside collaborators, default branch protection, secret scanning and Dependabot "
        "settings and open alerts."
    )
    config_class = GithubConfig
    produces = ("github",)

    def collect(self, env: Environment, sink: EvidenceSink) -> None:
        config = self.config
        assert isinstance(config, GithubConfig)
        client = GithubClient(
            api_url=config.api_url,
            token=config.token.reveal(),
            timeout=config.timeout_seconds,
            max_wait=config.rate_limit_wait_seconds,
        )
        with client:
            data = read_organization(
                client,
                config.organization,
                max_repositories=config.max_repositories,
                progress=sink.progress,
            )
        data["api_url"] = config.api_url.rstrip("/")
        put_snapshot(env, sink, "github", config.organization, data)
